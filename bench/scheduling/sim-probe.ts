import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { clientAgent } from './chat-client';
import { BENCH_MODEL } from './fleet-spec';
import { createRng } from './prng';
import { words } from './text';

/**
 * What the benchmark reads from (and does to) the sims directly, through the simulator's own
 * control plane `GET /__sim/state`, which every personality serves alike: prefix-cache counters
 * (prompt tokens looked up and found), busy slots, queued sequences.
 */
export interface SimNode {
  name: string;
  simUrl: string;
  slots: number;
}

export interface PrefixCounters {
  queryTokens: number;
  hitTokens: number;
  queries: number;
  hits: number;
}

interface SimState {
  busySlots: number;
  waiting: number;
  prefixCache: PrefixCounters;
}

async function state(node: SimNode): Promise<SimState> {
  const res = await request(`${node.simUrl}/__sim/state`, { dispatcher: clientAgent });
  return (await res.body.json()) as SimState;
}

/** Every node's prefix-cache counters now, by node name. */
export async function prefixCounters(
  nodes: readonly SimNode[],
): Promise<Record<string, PrefixCounters>> {
  const states = await Promise.all(nodes.map(state));
  return Object.fromEntries(nodes.map((n, i) => [n.name, states[i]!.prefixCache]));
}

export function counterDelta(before: PrefixCounters, after: PrefixCounters): PrefixCounters {
  return {
    queryTokens: after.queryTokens - before.queryTokens,
    hitTokens: after.hitTokens - before.hitTokens,
    queries: after.queries - before.queries,
    hits: after.hits - before.hits,
  };
}

/** Busy slots sampled on every node at a fixed interval, with the time of each sample. */
export interface BusySamples {
  /** performance.now() of each sampling round. */
  at: number[];
  /** Busy slots per node name, one entry per round. */
  busy: Record<string, number[]>;
}

/** Starts sampling; the returned function stops it and gives the samples. */
export function sampleBusySlots(
  nodes: readonly SimNode[],
  intervalMs: number,
): () => Promise<BusySamples> {
  const samples: BusySamples = { at: [], busy: Object.fromEntries(nodes.map((n) => [n.name, []])) };
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const t = performance.now();
      try {
        const states = await Promise.all(nodes.map(state));
        samples.at.push(t);
        nodes.forEach((n, i) => samples.busy[n.name]!.push(states[i]!.busySlots));
      } catch {
        // a missed round is a missed sample, not a failed run
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - t))));
    }
  };
  const running = loop();
  return async () => {
    stopped = true;
    await running;
    return samples;
  };
}

/** Waits until no node has a busy slot or a queued sequence. */
export async function waitIdle(nodes: readonly SimNode[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const states = await Promise.all(nodes.map(state));
    if (states.every((s) => s.busySlots === 0 && s.waiting === 0)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The sims remember this many sequences (PREFIX_CACHE_ENTRIES in the sim's slot pool). */
const SIM_PREFIX_CACHE_ENTRIES = 64;
/** Decode steps of the requests that occupy every slot at once (long enough to overlap). */
const SLOT_FILL_TOKENS = 8;

/**
 * Empties every sim's prefix cache and every slot's own cache through the engine's front door
 * (the sims have no reset route), so each run starts cold and one policy's run cannot warm the
 * caches for the next. Two steps:
 *
 * 1. As many concurrent requests as the node has slots, long enough to overlap, so every slot
 *    holds one of them instead of what the last run left there.
 * 2. More one-token requests than the cache remembers, all opening with the same junk text.
 *    The sim's lookup refreshes the entry sharing the longest prefix, so these refresh one
 *    another and push everything older out. (Unrelated junk would not do: each lookup would
 *    refresh the oldest entry, as every prompt shares the chat template with it, and half the
 *    old entries would survive any number of requests.)
 */
export async function flushPrefixCaches(nodes: readonly SimNode[], salt: string): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const rng = createRng(0).fork(`${salt}:${node.name}`);
      await Promise.all(
        Array.from({ length: node.slots }, () => junk(node, words(rng, 40), SLOT_FILL_TOKENS)),
      );
      const opening = words(createRng(0).fork(`flush:${node.name}`), 40);
      const total = SIM_PREFIX_CACHE_ENTRIES + 2 * node.slots;
      for (let sent = 0; sent < total; sent += node.slots) {
        const batch = Math.min(node.slots, total - sent);
        await Promise.all(
          Array.from({ length: batch }, () => junk(node, `${opening} ${words(rng, 8)}`, 1)),
        );
      }
    }),
  );
}

async function junk(node: SimNode, content: string, maxTokens: number): Promise<void> {
  const res = await request(`${node.simUrl}/v1/chat/completions`, {
    method: 'POST',
    dispatcher: clientAgent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: BENCH_MODEL,
      messages: [{ role: 'user', content }],
      max_tokens: maxTokens,
      stream: false,
    }),
  });
  const body = await res.body.text();
  if (res.statusCode !== 200) {
    throw new Error(`flushing ${node.name}: ${res.statusCode} ${body.slice(0, 200)}`);
  }
}
