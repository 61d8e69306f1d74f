import type { PlacementRequest } from '../cluster-view';
import { chosenId, node, policy, REQ } from '../node.spec-support';
import { place } from '../place';
import { PrefixAffinityIndex } from '../prefix-affinity-index';
import { requestPrefixHashes } from '../prefix-hash';
import { weightedScorers } from './scorers';
import { DEFAULT_TUNING } from '../tuning';
import { predictedSeconds, waitEstimate } from './predicted-wait.scorer';

const est = {
  fallbackSlotRate: 20,
  fallbackPromptRate: 1000,
  queuedTokens: 256,
  ownTokens: 256,
  promptTokens: 0,
};

describe('predicted-wait', () => {
  it('predicts seconds from the queue ahead, the prompt and the request’s own output', () => {
    // 4 slots at 30 tokens/s each; 1 waiting, ours is 2nd.
    const n = node('a', { slots: 4, running: 4, waiting: 1, decodeTps: 30, prefillTps: 2000 });
    const seconds = predictedSeconds(n, { ...est, promptTokens: 1000 });
    expect(seconds).toBeCloseTo((2 * 256) / (4 * 30) + 1000 / 2000 + 256 / 30, 9);
    // A free slot: no queue, only the prompt and the output.
    expect(predictedSeconds(node('b', { running: 1, decodeTps: 30 }), est)).toBeCloseTo(
      256 / 30,
      9,
    );
  });

  it('sizes the request from its fields: the smaller of max_tokens and typical, prompt text / 4', () => {
    const req: PlacementRequest = { ...REQ, maxTokens: 16, promptText: 'x'.repeat(400) };
    const e = waitEstimate([], req, DEFAULT_TUNING);
    expect(e).toMatchObject({ ownTokens: 16, promptTokens: 100, queuedTokens: 256 });
    const long = waitEstimate(
      [],
      { ...REQ, maxTokens: 4096, estimatedPromptTokens: 7 },
      DEFAULT_TUNING,
    );
    expect(long).toMatchObject({ ownTokens: 256, promptTokens: 7 });
  });

  it('gives unmeasured nodes the fleet’s average rate, or the default when none is measured', () => {
    const measured = [node('a', { running: 2, decodeTps: 30 }), node('b', { decodeTps: 90 })];
    expect(waitEstimate([...measured, node('new')], REQ, DEFAULT_TUNING).fallbackSlotRate).toBe(60);
    expect(waitEstimate([node('new')], REQ, DEFAULT_TUNING).fallbackSlotRate).toBe(20);
  });

  describe('a slow NPU node with more free slots against a fast GPU node', () => {
    // Ascend 910B under MindIE: 16 slots, 25 tokens/s per slot. H100 under vLLM: 8 slots, 50.
    const npu = node('npu', { engine: 'mindie', slots: 16, running: 4, decodeTps: 25 });
    const gpu = (running: number, waiting: number) =>
      node('gpu', { engine: 'vllm', slots: 8, running, waiting, decodeTps: 50 });

    it('loses when the fast node would answer sooner', () => {
      const d = place([npu, gpu(4, 0)], REQ, policy());
      expect(chosenId(d)).toBe('gpu');
      const [n, g] = d.candidates;
      expect(n!.scores!['free-slots']!.value).toBeGreaterThan(g!.scores!['free-slots']!.value);
      expect(g!.scores!['predicted-wait']!.value).toBeGreaterThan(
        n!.scores!['predicted-wait']!.value,
      );
    });

    it('wins when the fast node is loaded enough to answer later', () => {
      const d = place([npu, gpu(8, 7)], REQ, policy());
      expect(d.candidates[1]!.removedBy).toBeUndefined(); // busy, not saturated
      expect(chosenId(d)).toBe('npu');
    });
  });

  it('neither starves nor floods a brand-new node in a burst', () => {
    const nodes = [
      node('a', { running: 2, decodeTps: 30 }),
      node('b', { running: 2, decodeTps: 30 }),
      node('c', { running: 2, decodeTps: 30 }),
      node('new'),
    ];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, new: 0 };
    for (let i = 0; i < 10; i++) {
      const chosen = place(nodes, REQ, policy()).chosen!;
      chosen.localInFlight += 1;
      counts[chosen.snapshot.info.id]! += 1;
    }
    // The new node is rated at the fleet's average: it fills up to the others' level, then
    // shares evenly (a local charge shows once it exceeds what the node reported).
    const committed = nodes.map((n) => Math.max(n.snapshot.load.running, n.localInFlight));
    expect(Math.max(...committed) - Math.min(...committed)).toBeLessThanOrEqual(1);
    expect(counts.new).toBeGreaterThanOrEqual(2);
    expect(counts.new).toBeLessThanOrEqual(3);
  });
});

describe('predicted-wait with a cached prefix', () => {
  it('prefills only what the node does not cache, so a slower holder can answer sooner', () => {
    const text = 'You are the support assistant of a bank. '.repeat(200); // 8,200 characters
    const req: PlacementRequest = { ...REQ, promptText: text, maxTokens: 32 };
    // Same decode speed; the holder prefills at 1,000 tokens/s, the other at 4,000.
    const holder = node('holder', { decodeTps: 40, prefillTps: 1000 });
    const other = node('other', { decodeTps: 40, prefillTps: 4000 });
    const prefixIndex = new PrefixAffinityIndex();
    const p = policy({
      prefixIndex,
      scorers: weightedScorers({ 'prefix-affinity': 0, 'session-affinity': 0 }),
    });
    const before = place([holder, other], req, p);
    expect(chosenId(before)).toBe('other');
    prefixIndex.record(requestPrefixHashes(req), 'holder', 0);
    const after = place([holder, other], req, p);
    expect(chosenId(after)).toBe('holder');
    const wait = (d: typeof after, i: number) => -d.candidates[i]!.scores!['predicted-wait']!.value;
    // 2,050 tokens: all but the 8,192 characters (2,048 tokens) the hashes cover are prefilled.
    expect(wait(before, 0)).toBeCloseTo(2050 / 1000 + 32 / 40, 6);
    expect(wait(after, 0)).toBeCloseTo(2 / 1000 + 32 / 40, 6);
    expect(wait(after, 1)).toBeCloseTo(2050 / 4000 + 32 / 40, 6);
  });
});
