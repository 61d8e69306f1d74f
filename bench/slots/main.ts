import { loadavg } from 'node:os';
import { createRedis } from '@switchyard/cluster';
import { cleanupPrefix, freePort, testRedisUrl, waitFor } from '@switchyard/testing';
import { launch, type Launched } from '../../test/e2e/support/processes';
import { log, runBenchmark } from '../bench-process';

/**
 * `npm run bench:slots`: the throughput of a worker in front of a batching engine (a vLLM sim
 * running 256 sequences) when the worker is told the slot count (`--slots 256`) and when it
 * must learn it (no `--slots`: adaptive, from latency). Closed loop: `clients` callers, each
 * sending its next non-streamed chat as soon as the last one answered, through a real gateway.
 * Prints a markdown section for docs/benchmarks.md.
 */
interface Options {
  clients: number;
  warmupSeconds: number;
  seconds: number;
  decodeMs: number;
  maxTokens: number;
  batchSlowdown: number;
}

const ENGINE_SLOTS = 256;
const MODEL = 'bench-slots';

function options(argv: readonly string[]): Options {
  const num = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a number`);
    return value;
  };
  return {
    clients: num('--clients', ENGINE_SLOTS),
    warmupSeconds: num('--warmup', 20),
    seconds: num('--seconds', 20),
    decodeMs: num('--decode-ms', 200),
    maxTokens: num('--max-tokens', 5),
    // A batching GPU decodes a full batch somewhat slower per token than one sequence.
    batchSlowdown: num('--batch-slowdown', 0.002),
  };
}

interface Result {
  variant: string;
  requestsPerSecond: number;
  errors: number;
  slots: number;
  slotsSource: string;
}

async function runVariant(variant: string, workerSlots: string[], o: Options): Promise<Result> {
  const prefix = `bench-slots-${process.pid}-${variant.replace(/\W+/g, '')}:`;
  const env = { REDIS_URL: testRedisUrl(), SWITCHYARD_PREFIX: prefix };
  const launched: Launched[] = [];
  const redis = createRedis(testRedisUrl());
  try {
    const simPort = await freePort();
    launched.push(
      launch('sim', [
        ...['sim', '--engine', 'vllm', '--port', String(simPort), '--model', MODEL],
        ...['--slots', String(ENGINE_SLOTS), '--decode-ms', String(o.decodeMs)],
        ...['--batch-slowdown', String(o.batchSlowdown), '--prefill-tps', '1000000'],
      ]),
    );
    const worker = launch(
      'worker',
      [
        ...['worker', '--engine', 'vllm', '--engine-url', `http://127.0.0.1:${simPort}`],
        ...workerSlots,
      ],
      env,
    );
    launched.push(worker);
    const port = await freePort();
    const gatewayUrl = `http://127.0.0.1:${port}`;
    launched.push(launch('gateway', ['gateway', '--port', String(port)], env));
    await waitFor(
      async () => {
        const res = await fetch(`${gatewayUrl}/readyz`).catch(() => undefined);
        return res?.ok === true && ((await res.json()) as { readyNodes: number }).readyNodes === 1;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the node ready' },
    );

    const started = Date.now();
    const windowStart = started + o.warmupSeconds * 1000;
    const end = windowStart + o.seconds * 1000;
    let done = 0;
    let errors = 0;
    const body = JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say something short.' }],
      max_tokens: o.maxTokens,
    });
    const client = async (): Promise<void> => {
      while (Date.now() < end) {
        const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).catch(() => undefined);
        const ok = res?.ok === true;
        await res?.arrayBuffer().catch(() => undefined);
        const at = Date.now();
        if (at < windowStart || at > end) continue;
        if (ok) done += 1;
        else errors += 1;
      }
    };
    await Promise.all(Array.from({ length: o.clients }, client));
    const agent = /agent (http:\/\/[^)\s]+)/.exec(worker.output())?.[1];
    const status = (await (await fetch(`${agent}/status`)).json()) as {
      info: { slots: number; slotsSource?: string };
    };
    return {
      variant,
      requestsPerSecond: done / o.seconds,
      errors,
      slots: status.info.slots,
      slotsSource: status.info.slotsSource ?? '?',
    };
  } finally {
    await Promise.all(launched.map((l) => l.stop()));
    await cleanupPrefix(redis, prefix).catch(() => undefined);
    await redis.quit();
  }
}

runBenchmark(async () => {
  const o = options(process.argv.slice(2));
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  const loadBefore = load();
  log(`bench:slots ${JSON.stringify(o)}; load average ${loadBefore}`);
  const told = await runVariant('--slots 256', ['--slots', String(ENGINE_SLOTS)], o);
  log(`told: ${told.requestsPerSecond.toFixed(1)} req/s`);
  const learned = await runVariant('no --slots', [], o);
  log(`learned: ${learned.requestsPerSecond.toFixed(1)} req/s`);
  const ratio = learned.requestsPerSecond / told.requestsPerSecond;
  const rows = [told, learned].map(
    (r) =>
      `| worker ${r.variant} | ${r.requestsPerSecond.toFixed(1)} | ${r.errors} | ${r.slots} (${r.slotsSource}) |`,
  );
  process.stdout.write(
    [
      `Sim: vLLM personality, ${ENGINE_SLOTS} slots, ${o.decodeMs} ms per token, batch slowdown ` +
        `${o.batchSlowdown} per extra sequence; ${o.clients} closed-loop clients, non-streamed ` +
        `chats of ${o.maxTokens} tokens, ${o.warmupSeconds} s warm-up then ${o.seconds} s measured.`,
      '',
      '| variant | requests/s | errors | slots at the end (source) |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
      `Learned / told: **${(ratio * 100).toFixed(0)} %** (target ≥ 80 %). ` +
        `Load average before: ${loadBefore}; after: ${load()} (2 cores, shared).`,
      '',
    ].join('\n'),
  );
});
