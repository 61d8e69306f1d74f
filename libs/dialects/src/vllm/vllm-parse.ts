import type { CompletionRequest } from '@switchyard/contracts';
import { refuse, stopList } from '../canonical';
import type { ParseContext } from '../dialect';
import { opt } from '../opt';
import { completionRequest, requestedModel } from '../text-completion';
import { validateBody } from '../validate';
import { DEFAULT_ONLY, KNOWN_KEYS, vllmGenerateSchema, type VllmGenerateBody } from './vllm.schema';

/**
 * vLLM demo bodies → canonical completion requests. vLLM hands every key but `prompt` and
 * `stream` to `SamplingParams(**kwargs)`, so an unknown key fails there with a 500; Switchyard
 * answers a 400 naming the key instead. `logprobs` is accepted without effect: the demo's
 * answer has no place for logprobs, so vLLM computes and drops them.
 */

/** `SamplingParams`' default when `max_tokens` is not given. */
const DEFAULT_MAX_TOKENS = 16;

export function parseVllmGenerate(body: unknown, ctx: ParseContext): CompletionRequest {
  const b = validateBody(vllmGenerateSchema, body);
  checkKeys(body as Record<string, unknown>);
  checkRanges(b);
  const topK = b.top_k ?? 0;
  return completionRequest(ctx, {
    model: requestedModel(ctx.headers, b.model),
    prompt: b.prompt,
    stream: b.stream === true,
    sampling: {
      stop: stopList(b.stop),
      n: b.n ?? 1,
      maxTokens: b.max_tokens ?? DEFAULT_MAX_TOKENS,
      ...opt('temperature', b.temperature),
      ...opt('topP', b.top_p),
      // 0 and -1 turn top-k off in vLLM.
      ...(topK > 0 ? { topK } : {}),
      ...opt('minP', b.min_p),
      ...opt('presencePenalty', b.presence_penalty),
      ...opt('frequencyPenalty', b.frequency_penalty),
      ...opt('repetitionPenalty', b.repetition_penalty),
      ...opt('seed', b.seed),
      ...opt('logitBias', b.logit_bias),
    },
    // vLLM's own engine field; vLLM and llama.cpp engines honour it.
    extra: b.ignore_eos != null ? { ignore_eos: b.ignore_eos } : {},
  });
}

function checkKeys(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (KNOWN_KEYS.has(key)) continue;
    if (!Object.hasOwn(DEFAULT_ONLY, key)) {
      refuse(key, `'${key}' is not a vLLM sampling parameter`);
    }
    const fallback = DEFAULT_ONLY[key];
    if (value !== null && value !== fallback) {
      refuse(
        key,
        `'${key}' is not supported by Switchyard; only its default (${JSON.stringify(fallback)}) is accepted`,
      );
    }
  }
}

/** `SamplingParams._verify_args`, with its messages. */
const RANGES: readonly [keyof VllmGenerateBody, (v: number) => boolean, string][] = [
  ['n', (v) => v >= 1, 'must be at least 1'],
  ['presence_penalty', (v) => v >= -2 && v <= 2, 'must be in [-2, 2]'],
  ['frequency_penalty', (v) => v >= -2 && v <= 2, 'must be in [-2, 2]'],
  ['repetition_penalty', (v) => v > 0, 'must be greater than zero'],
  ['temperature', (v) => v >= 0, 'must be non-negative'],
  ['top_p', (v) => v > 0 && v <= 1, 'must be in (0, 1]'],
  ['top_k', (v) => v >= -1, 'must be 0 (disable), or at least 1'],
  ['min_p', (v) => v >= 0 && v <= 1, 'must be in [0, 1]'],
  ['max_tokens', (v) => v >= 1, 'must be at least 1'],
  ['logprobs', (v) => v >= 0, 'must be non-negative'],
];

function checkRanges(b: VllmGenerateBody): void {
  for (const [key, ok, rule] of RANGES) {
    const value = b[key];
    if (typeof value === 'number' && !ok(value)) refuse(key, `${key} ${rule}, got ${value}.`);
  }
}
