import { streamChat } from './chat-client';
import type { BenchCluster, Policy } from './cluster';
import { BENCH_MODEL } from './fleet-spec';

const WARM_UP_REQUESTS = 12;

/**
 * A few requests through each gateway before anything is measured, so no policy pays for
 * its gateway's first requests (connection set-up, JIT). The next run flushes the caches.
 */
export async function warmUp(cluster: BenchCluster, policies: readonly Policy[]): Promise<void> {
  for (const policy of policies) {
    const url = cluster.gateways[policy];
    if (!url) continue;
    const results = await Promise.all(
      Array.from({ length: WARM_UP_REQUESTS }, (_, i) =>
        streamChat({
          url: `${url}/v1/chat/completions`,
          headers: {},
          body: {
            model: BENCH_MODEL,
            messages: [{ role: 'user', content: `Warm up ${policy} ${i}` }],
            max_tokens: 4,
            stream: true,
            stream_options: { include_usage: true },
          },
          signal: AbortSignal.timeout(30_000),
        }),
      ),
    );
    const failed = results.filter((r) => r.outcome !== 'ok');
    if (failed.length) {
      throw new Error(
        `warm-up through the ${policy} gateway failed: ${failed.map((r) => `${r.outcome} ${r.status ?? ''} ${r.errorCode ?? ''}`).join('; ')}`,
      );
    }
  }
}
