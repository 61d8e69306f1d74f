import type { PerTarget } from './interleave';
import type { LevelResult } from './phase-latency';
import type { OverheadReport } from './results';
import type { Summary } from './stats';

/**
 * The targets of the overhead issue, each a PASS/FAIL line (never an assertion). "Added" is
 * the target's percentile minus the direct call's, percentile by percentile.
 */
export interface Check {
  verdict: 'PASS' | 'FAIL' | 'SKIP';
  text: string;
}

export const added = (s: PerTarget<Summary>, t: 'proxy' | 'switchyard', p: 'p50' | 'p99'): number =>
  s[t][p] - s.direct[p];

const ms = (v: number, digits = 2): string =>
  Number.isFinite(v) ? `${v.toFixed(digits)} ms` : '–';
const ratio = (a: number, b: number): string =>
  Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
const verdict = (ok: boolean): Check['verdict'] => (ok ? 'PASS' : 'FAIL');

export function evaluateChecks(r: OverheadReport): Check[] {
  const checks: Check[] = [];
  const plain1 = level(r.latency.plain, 1);
  if (plain1) {
    const sy = added(plain1.summary, 'switchyard', 'p50');
    const px = added(plain1.summary, 'proxy', 'p50');
    // A proxy that "adds" ≤ 0 ms is noise (it cannot be faster than direct): then only the
    // absolute bound is judged, and the line says so.
    const noisy = !(px > 0);
    checks.push({
      verdict: verdict(sy <= 1.5 && (noisy || sy <= 2 * px)),
      text:
        `added latency p50, non-streaming, 1 concurrent: switchyard ${ms(sy)}, bare proxy ${ms(px)} ` +
        `(${noisy ? "proxy's added ≤ 0 is noise, ratio not judged" : ratio(sy, px)}; needs ≤ 2× the proxy's and ≤ 1.5 ms)`,
    });
  }
  const ttft200 = level(r.latency.ttft, 200);
  if (ttft200) {
    const p50 = added(ttft200.summary, 'switchyard', 'p50');
    const p99 = added(ttft200.summary, 'switchyard', 'p99');
    checks.push({
      verdict: verdict(p50 <= 2 && p99 <= 20),
      text: `added TTFT at 200 streams: p50 ${ms(p50)}, p99 ${ms(p99)} (needs p50 ≤ 2 ms, p99 ≤ 20 ms)`,
    });
  }
  const t = r.throughput;
  checks.push({
    verdict: verdict(t.switchyard.rps >= 0.5 * t.proxy.rps),
    text:
      `requests/s at ${r.settings.concurrency} concurrent: switchyard ${t.switchyard.rps.toFixed(0)}, ` +
      `bare proxy ${t.proxy.rps.toFixed(0)} (${ratio(t.switchyard.rps, t.proxy.rps)}; needs ≥ 0.5×)`,
  });
  const cpu = t.switchyard.cpuMsPerRequest.gateway + t.switchyard.cpuMsPerRequest.worker;
  checks.push({
    verdict: verdict(cpu <= 1),
    text:
      `gateway + worker CPU per short request: ${ms(cpu, 3)} (gateway ${ms(t.switchyard.cpuMsPerRequest.gateway, 3)}, ` +
      `worker ${ms(t.switchyard.cpuMsPerRequest.worker, 3)}; bare proxy ${ms(t.proxy.cpuMsPerRequest.proxy, 3)}; needs ≤ 1 ms)`,
  });
  checks.push({
    verdict: verdict(r.redis.perRequest <= 10),
    text:
      `Redis commands per 16-token request: ${r.redis.perRequest.toFixed(1)} by commandstats ` +
      `(${r.redis.clientPerRequest.toFixed(1)} sent by clients + ${r.redis.luaPerRequest.toFixed(1)} inside scripts, by MONITOR; needs ≤ 10)`,
  });
  const biggest = r.streams.reduce<(typeof r.streams)[number] | undefined>(
    (a, b) => (a && a.streams >= b.streams ? a : b),
    undefined,
  );
  if (!biggest) {
    checks.push({ verdict: 'SKIP', text: 'open streams: phase not run (--streams none)' });
  } else {
    const loopMax = Math.max(biggest.loopOpening?.maxMs ?? NaN, biggest.loopHolding?.maxMs ?? NaN);
    const gone = biggest.minReadyNodes < biggest.expectedReadyNodes;
    const ok = biggest.rssPeakMb < 1024 && loopMax < 200 && !gone && biggest.errors === 0;
    checks.push({
      verdict: biggest.streams < 10_000 ? 'SKIP' : verdict(ok),
      text:
        `${biggest.streams.toLocaleString('en')} open streams${biggest.streams < 10_000 ? ' (target is at 10,000; not run)' : ''}: ` +
        `gateway RSS ${biggest.rssPeakMb.toFixed(0)} MiB, event-loop max delay ${ms(loopMax, 0)}, ` +
        `${gone ? `a node was declared gone (ready nodes fell to ${biggest.minReadyNodes} of ${biggest.expectedReadyNodes})` : 'no node declared gone'}, ` +
        `${biggest.progressing} progressing, ${biggest.errors} ended with an error ` +
        `(needs < 1 GiB, < 200 ms, none gone, no errors)`,
    });
  }
  return checks;
}

function level(levels: readonly LevelResult[], concurrency: number): LevelResult | undefined {
  return levels.find((l) => l.concurrency === concurrency);
}
