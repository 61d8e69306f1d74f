import { type BenchNode, stepMs } from './fleet-spec';
import type { TraceConversation } from './trace';

/**
 * The fleet's capacity for a workload, derived from the sims' cost model rather than measured
 * (a measurement would depend on the placement policy that ran it). A node with every slot
 * busy serves a request in
 *
 *   prefill = (prompt tokens − tokens a perfect prefix cache holds) / prefill rate
 *   decode  = (decode steps − 1) × step time with every slot busy
 *
 * (the first token comes out of the prefill), so it completes `slots / (prefill + decode)`
 * requests per second; the fleet's capacity is the sum over nodes. It is the throughput of a
 * perfect placement (each node kept exactly full, every reusable prefix found in cache), so
 * "80 % of capacity" is a load a perfect scheduler serves with 20 % headroom; the means come
 * from the trace itself.
 */
export interface Capacity {
  /** Requests per second the whole fleet completes. */
  requestsPerS: number;
  perNode: { name: string; requestsPerS: number; serviceS: number }[];
  meanPromptTokens: number;
  meanPrefillTokens: number;
  meanDecodeSteps: number;
}

export function fleetCapacity(
  fleet: readonly BenchNode[],
  conversations: readonly TraceConversation[],
): Capacity {
  const turns = conversations.flatMap((c) => c.turns);
  if (turns.length === 0) throw new Error('capacity of an empty trace');
  const mean = (f: (t: (typeof turns)[number]) => number): number =>
    turns.reduce((sum, t) => sum + f(t), 0) / turns.length;
  const meanPromptTokens = mean((t) => t.promptTokens);
  const meanPrefillTokens = mean(
    (t) => t.promptTokens - Math.min(t.reusableTokens, t.promptTokens - 1),
  );
  const meanDecodeSteps = mean((t) => t.decodeSteps);
  const perNode = fleet.map((node) => {
    const serviceS =
      meanPrefillTokens / node.prefillTps +
      (Math.max(0, meanDecodeSteps - 1) * stepMs(node, node.slots)) / 1000;
    return { name: node.name, requestsPerS: node.slots / serviceS, serviceS };
  });
  return {
    requestsPerS: perNode.reduce((sum, n) => sum + n.requestsPerS, 0),
    perNode,
    meanPromptTokens,
    meanPrefillTokens,
    meanDecodeSteps,
  };
}
