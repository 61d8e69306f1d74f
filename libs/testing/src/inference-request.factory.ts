import type {
  ChatRequest,
  CompletionRequest,
  InferenceRequest,
  SamplingParams,
} from '@switchyard/contracts';

/** Overrides for a request factory; `sampling` is merged onto `{ stop: [], n: 1 }`. */
export type RequestOverrides<R extends InferenceRequest> = Omit<Partial<R>, 'sampling'> & {
  sampling?: Partial<SamplingParams>;
};

const BASE = {
  id: 'r1',
  model: 'test-model',
  stream: false,
  includeUsage: false,
  priority: 0,
  modalities: ['text' as const],
};

/** A canonical chat request: one user message `hi`, default sampling, not streamed. */
export function chatRequest(overrides: RequestOverrides<ChatRequest> = {}): ChatRequest {
  const { sampling, ...rest } = overrides;
  return {
    ...BASE,
    kind: 'chat',
    messages: [{ role: 'user', content: 'hi' }],
    sampling: { stop: [], n: 1, ...sampling },
    ...rest,
  };
}

/** A canonical completion request: prompt `Once`, default sampling, not streamed. */
export function completionRequest(
  overrides: RequestOverrides<CompletionRequest> = {},
): CompletionRequest {
  const { sampling, ...rest } = overrides;
  return {
    ...BASE,
    kind: 'completion',
    prompt: 'Once',
    sampling: { stop: [], n: 1, ...sampling },
    ...rest,
  };
}
