import { randomUUID } from 'node:crypto';
import type { GenerationRequest } from '@switchyard/contracts';
import type { EngineClient } from '../engine/engine.client';

const WARM_UP_TIMEOUT_MS = 60_000;

/**
 * The last gate before `ready`: a one-token generation through the same path real requests
 * take. A healthy /health on an engine that cannot generate (wrong template, OOM on first
 * batch) must not receive traffic. Returns null on success, else why it failed.
 */
export async function warmUp(engine: EngineClient, model: string): Promise<string | null> {
  const req: GenerationRequest = {
    id: `warmup-${randomUUID()}`,
    kind: 'chat',
    model,
    messages: [{ role: 'user', content: 'Hi' }],
    sampling: { stop: [], n: 1, maxTokens: 1, temperature: 0 },
    stream: true,
    includeUsage: false,
    priority: 0,
    modalities: ['text'],
  };
  const signal = AbortSignal.timeout(WARM_UP_TIMEOUT_MS);
  for await (const event of engine.stream(req, signal)) {
    if (event.type === 'done') return null;
    if (event.type === 'error') return `test generation failed: ${event.message}`;
  }
  return signal.aborted
    ? `test generation timed out after ${WARM_UP_TIMEOUT_MS / 1000} s`
    : 'test generation ended without a result';
}
