/*
 * Microbenchmark of one placement decision over a 1,000-node fleet (not a test).
 *
 *   npm run bench:decision [-- --iterations 20000 --rounds 3]
 *
 * Builds a seeded synthetic fleet (mixed engines, slots, speeds, labels; some nodes not
 * ready, saturated, stale or unmeasured), a prefix index with realistic contents, and a
 * pool of requests (shared system prompts, sessions, selectors, images), then times
 * `place()` per call with process.hrtime.bigint() after a warm-up, with and without
 * explanations, and the gateway-facing placer (which also records the prefix).
 *
 * Percentiles are of wall time, so other processes on the machine show up in the tail: each
 * row is measured in several rounds, every round is printed, and the verdict uses the
 * median round. The load average is printed before and after for the same reason.
 */
import { loadavg } from 'node:os';
import type { EngineKind, Modality, NodeState } from '@switchyard/contracts';
import {
  DEFAULT_POLICY,
  PrefixAffinityIndex,
  createPlacer,
  place,
  prefixHashes,
  type CandidateNode,
  type PlacementPolicy,
  type PlacementRequest,
} from '@switchyard/scheduling';

const NODES = 1_000;
const MODEL = 'llama-3.1-8b-instruct';
const NOW = 1_800_000_000_000;
const TARGET_P99_US = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
const ITERATIONS = arg('iterations', 20_000);
const WARMUP = arg('warmup', 5_000);
const ROUNDS = arg('rounds', 3);
/** `--no-cpu` skips the CPU-time reading (a system call per decision) to check it perturbs nothing. */
const WITH_CPU = !process.argv.includes('--no-cpu');

/** mulberry32: a seeded source, so every run measures the same fleet and requests. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = seeded(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

interface Hardware {
  engine: EngineKind;
  accelerator: 'gpu' | 'npu';
  slots: [number, number];
  /** Per-slot generation tokens/s. */
  slotRate: [number, number];
  promptRate: [number, number];
}
const HARDWARE: Hardware[] = [
  {
    engine: 'vllm',
    accelerator: 'gpu',
    slots: [32, 64],
    slotRate: [50, 90],
    promptRate: [8e3, 2e4],
  },
  {
    engine: 'mindie',
    accelerator: 'npu',
    slots: [16, 48],
    slotRate: [20, 40],
    promptRate: [3e3, 8e3],
  },
  {
    engine: 'llamacpp',
    accelerator: 'gpu',
    slots: [2, 8],
    slotRate: [30, 60],
    promptRate: [1e3, 4e3],
  },
  {
    engine: 'tgi',
    accelerator: 'gpu',
    slots: [16, 32],
    slotRate: [40, 70],
    promptRate: [5e3, 1e4],
  },
  {
    engine: 'ollama',
    accelerator: 'gpu',
    slots: [1, 4],
    slotRate: [20, 50],
    promptRate: [5e2, 2e3],
  },
];

function syntheticNode(i: number): CandidateNode {
  const hw = pick(HARDWARE);
  const slots = int(...hw.slots);
  const roll = rnd();
  const state: NodeState = roll < 0.03 ? 'warming' : roll < 0.05 ? 'draining' : 'ready';
  const measured = rnd() > 0.05;
  const saturated = rnd() < 0.1;
  const running = saturated ? slots : int(0, slots);
  const waiting = saturated ? int(slots, 2 * slots) : running === slots ? int(0, slots - 1) : 0;
  const modalities: Modality[] | undefined = rnd() < 0.2 ? ['text', 'image'] : undefined;
  return {
    snapshot: {
      info: {
        id: `${hw.engine}-${hw.accelerator}-${i.toString().padStart(4, '0')}`,
        engine: hw.engine,
        models: rnd() < 0.8 ? [MODEL] : ['qwen2.5-72b-instruct', 'mistral-7b-instruct'],
        slots,
        state,
        labels: { accelerator: hw.accelerator, zone: pick(['a', 'b', 'c']), pool: 'default' },
        ...(modalities ? { modalities } : {}),
        startedAt: NOW - 3_600_000,
        version: 'bench',
      },
      load: {
        running,
        waiting,
        slotsTotal: slots,
        slotsFree: slots - running,
        kvCacheUsage: measured ? Math.min(0.99, (running / slots) * 0.8 + rnd() * 0.15) : null,
        prefixCacheHitRate: measured ? rnd() : null,
        promptTokensPerSecond: measured && running > 0 ? running * int(50, 500) : null,
        generationTokensPerSecond: measured && running > 0 ? running * int(...hw.slotRate) : null,
        decodeTokensPerSecond: measured ? int(...hw.slotRate) : null,
        prefillTokensPerSecond: measured ? int(...hw.promptRate) : null,
        ttftMs: measured ? int(40, 900) : null,
      },
      // 2% report from long ago (stale); the rest within the last heartbeat.
      at: rnd() < 0.02 ? NOW - 60_000 : NOW - int(0, 1_000),
    },
    localInFlight: int(0, 2),
  };
}

// Through JSON, as the gateway's view receives snapshots (flat strings, JSON-shaped objects).
const nodes = JSON.parse(
  JSON.stringify(Array.from({ length: NODES }, (_, i) => syntheticNode(i))),
) as CandidateNode[];
const ids = nodes.map((n) => n.snapshot.info.id);

// 300 shared system prompts (agents, RAG templates) of 1-8 KB; each recently served by 1-4 nodes.
const systemPrompts = Array.from(
  { length: 300 },
  (_, i) => `System prompt ${i}: ` + 'You are a careful assistant. '.repeat(int(40, 280)),
);
const index = new PrefixAffinityIndex();
for (const text of systemPrompts) {
  const hashes = prefixHashes(text, { salt: MODEL });
  for (let k = int(1, 4); k > 0; k--) index.record(hashes, pick(ids), NOW - int(0, 120_000));
}
// Plus one-off prompts filling the rest of the index.
for (let i = 0; i < 5_000; i++) {
  const text = `User ${i} asks: ` + 'something long and particular. '.repeat(int(9, 70));
  index.record(prefixHashes(text, { salt: MODEL }), pick(ids), NOW - int(0, 300_000));
}

const requests: PlacementRequest[] = Array.from({ length: 512 }, (_, i) => {
  const shared = rnd() < 0.6;
  const text = shared
    ? pick(systemPrompts) + `\nUser: question ${i}`
    : `Fresh prompt ${i}: ` + 'words '.repeat(int(50, 600));
  return {
    model: MODEL,
    modalities: rnd() < 0.1 ? ['text', 'image'] : ['text'],
    prefixHashes: prefixHashes(text, { salt: MODEL }),
    estimatedPromptTokens: Math.round(text.length / 4),
    maxTokens: pick([64, 256, 1024, 4096]),
    ...(rnd() < 0.5 ? { sessionKey: `session-${int(0, 5_000)}` } : {}),
    ...(rnd() < 0.1 ? { selectors: { zone: pick(['a', 'b', 'c']) } } : {}),
  };
});

interface Stats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function stats(samples: Float64Array): Stats {
  samples.sort();
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const mean = samples.reduce((s, v) => s + v, 0) / samples.length;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: samples[samples.length - 1]!, mean };
}

/**
 * Per decision: wall time (hrtime), and the CPU time this process spent meanwhile
 * (cpuUsage, µs resolution, includes V8's helper threads), which other processes on the
 * machine cannot inflate: the gap between the two is time the decision was not running.
 */
function measure(decide: (req: PlacementRequest) => unknown): { wall: Stats; cpu: Stats } {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += decide(requests[i % requests.length]!) ? 1 : 0;
  const wall = new Float64Array(ITERATIONS);
  const cpu = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const req = requests[i % requests.length]!;
    const cpuStart = WITH_CPU ? process.cpuUsage() : undefined;
    const start = process.hrtime.bigint();
    const d = decide(req);
    wall[i] = Number(process.hrtime.bigint() - start) / 1_000;
    if (cpuStart) {
      const used = process.cpuUsage(cpuStart);
      cpu[i] = used.user + used.system;
    }
    sink += d ? 1 : 0;
  }
  if (sink < 0) console.log(sink); // keeps the calls observable
  return { wall: stats(wall), cpu: stats(cpu) };
}

const policy = (explain: boolean): PlacementPolicy => ({
  ...DEFAULT_POLICY,
  random: seeded(7),
  now: NOW,
  prefixIndex: index,
  explain,
});
const withExplanations = policy(true);
const withoutExplanations = policy(false);
const placer = createPlacer({ random: seeded(9), prefixIndex: index });
const roundRobin = createPlacer({ placement: 'round-robin' });

// What one decision sees, so the numbers can be read against the work done.
const sample = place(nodes, requests[0]!, withExplanations);
const outcomes = requests.map((r) => place(nodes, r, withoutExplanations).outcome);
console.log(
  `fleet: ${NODES} nodes; one decision keeps ${sample.candidates.filter((c) => c.scores).length} ` +
    `candidates; outcomes over ${requests.length} requests: ` +
    ['placed', 'saturated', 'no-node']
      .map((o) => `${o} ${outcomes.filter((x) => x === o).length}`)
      .join(', ') +
    `; prefix index ${index.size} entries`,
);

const prompt = pick(systemPrompts);
const cases: [string, (r: PlacementRequest) => unknown][] = [
  ['place(), explanations on', (r) => place(nodes, r, withExplanations).chosen],
  ['place(), explanations off', (r) => place(nodes, r, withoutExplanations).chosen],
  ['place(), explanations on and read', (r) => place(nodes, r, withExplanations).candidates.length],
  ['createPlacer() switchyard (records prefix)', (r) => placer.place(nodes, r, NOW).chosen],
  ['createPlacer() round-robin', (r) => roundRobin.place(nodes, r, NOW).chosen],
  ['prefixHashes() of one prompt', () => prefixHashes(prompt, { salt: MODEL })],
];
const VERDICT_ROWS = 2;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const row = (label: string, s: Stats) =>
  `${label.padEnd(46)}${[s.p50, s.p90, s.p99, s.max, s.mean].map((v) => v.toFixed(1).padStart(8)).join('')}`;
const header = (title: string) =>
  `${title.padEnd(46)}${['p50', 'p90', 'p99', 'max', 'mean'].map((h) => h.padStart(8)).join('')}`;

console.log(`load average before: ${load()}`);
console.log(header('wall µs per decision, each round'));
const medians: [string, { wall: Stats; cpu: Stats }][] = [];
for (const [name, decide] of cases) {
  const rounds: { wall: Stats; cpu: Stats }[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const m = measure(decide);
    rounds.push(m);
    console.log(row(`${name} [${k + 1}/${ROUNDS}]`, m.wall));
  }
  rounds.sort((a, b) => a.wall.p99 - b.wall.p99);
  medians.push([name, rounds[Math.floor(rounds.length / 2)]!]);
}
console.log(`load average after: ${load()}\n`);
console.log(header('median round by wall p99: wall µs'));
for (const [name, m] of medians) console.log(row(name, m.wall));
if (WITH_CPU) {
  console.log(header('same round: process CPU µs'));
  for (const [name, m] of medians) console.log(row(name, m.cpu));
}
console.log('');
for (const [name, m] of medians.slice(0, VERDICT_ROWS)) {
  const ok = m.wall.p99 < TARGET_P99_US;
  console.log(
    `${name}: wall p99 ${m.wall.p99.toFixed(1)} µs ${ok ? '<' : '>='} ${TARGET_P99_US} µs — ` +
      `${ok ? 'OK' : 'OVER'}${WITH_CPU ? ` (CPU p99 ${m.cpu.p99.toFixed(1)} µs)` : ''}`,
  );
}
console.log(
  `\nnode ${process.version}, ${process.arch}, ${ITERATIONS} timed after ${WARMUP} warm-up`,
);
