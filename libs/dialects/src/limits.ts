import { SwitchyardError, promptText, type InferenceRequest } from '@switchyard/contracts';

/**
 * Bounded work per request: the caps every dialect's requests meet after parsing, in one
 * place, so a client cannot make one request cost a node (or the gateway) without bound — a
 * 10,000-input embedding batch that stalls a worker's event loop, `max_tokens: 1e9`, `n: 128`,
 * a 10,000-key `logit_bias`. Each cap is a gateway setting; a request over one gets a 400 in
 * its dialect naming the field as the client wrote it, its value and the limit.
 */
export interface RequestLimits {
  /** Inputs of one embedding request (OpenAI's own limit is 2048). */
  maxEmbeddingInputs: number;
  /** Choices of one request (`n`, TGI `best_of`). */
  maxChoices: number;
  /** Generated tokens per choice, whatever the model's context. */
  maxTokens: number;
  /** Entries of `logit_bias`. */
  maxLogitBias: number;
  /** Stop strings. */
  maxStop: number;
  /** Tool definitions. */
  maxTools: number;
}

/** The fields the caps look at, by the name of the cap. */
export type LimitedField = keyof RequestLimits;

/** Where each limit is set, so the refusal can tell an operator what to change. */
export const LIMIT_SETTINGS: Readonly<Record<LimitedField, string>> = {
  maxEmbeddingInputs: 'SWITCHYARD_MAX_EMBEDDING_INPUTS',
  maxChoices: 'SWITCHYARD_MAX_CHOICES',
  maxTokens: 'SWITCHYARD_MAX_TOKENS',
  maxLogitBias: 'SWITCHYARD_MAX_LOGIT_BIAS',
  maxStop: 'SWITCHYARD_MAX_STOP',
  maxTools: 'SWITCHYARD_MAX_TOOLS',
};

/** The client's name for each limited field, per route; OpenAI's names by default. */
export type LimitParams = Partial<Readonly<Record<LimitedField, string>>>;

const OPENAI_PARAMS: Readonly<Record<LimitedField, string>> = {
  maxEmbeddingInputs: 'input',
  maxChoices: 'n',
  maxTokens: 'max_tokens',
  maxLogitBias: 'logit_bias',
  maxStop: 'stop',
  maxTools: 'tools',
};

/**
 * A dialect's "as many tokens as the engine allows" (Ollama's `num_predict` -1 and -2). Never
 * leaves the gateway: {@link enforceLimits} makes it concrete where the model's context is
 * known, and otherwise leaves the bound to the engine (see {@link engineLimit}).
 */
export const ENGINE_LIMIT_TOKENS = Number.POSITIVE_INFINITY;

/** Tokens a chat template may add around the prompt (role headers, special tokens). */
const TEMPLATE_TOKENS = 64;

/** What the gateway knows about the model a request resolved to. */
export interface ModelBounds {
  /**
   * Context window in tokens, when the catalogue (or, later, the nodes serving the model)
   * states it. `max_tokens` above it is refused rather than run silently to the limit.
   */
  contextTokens?: number;
}

/**
 * Checks `req` against `limits`; returns the request with an engine-limit `maxTokens` made
 * concrete. Throws SY_BAD_REQUEST naming the field (in the route's naming), the value sent
 * and the limit.
 */
export function enforceLimits(
  req: InferenceRequest,
  limits: RequestLimits,
  params: LimitParams = {},
  bounds: ModelBounds = {},
): InferenceRequest {
  const name = (f: LimitedField) => params[f] ?? OPENAI_PARAMS[f];
  const cap = (f: LimitedField, count: number, what: string) => {
    if (count <= limits[f]) return;
    throw new SwitchyardError(
      'SY_BAD_REQUEST',
      `'${name(f)}' has ${count} ${what}; this gateway accepts at most ${limits[f]} ` +
        `(setting ${LIMIT_SETTINGS[f]}).`,
      { param: name(f) },
    );
  };
  if (req.kind === 'embedding') {
    cap('maxEmbeddingInputs', req.input.length, 'inputs');
    return req;
  }
  const s = req.sampling;
  cap('maxChoices', s.n, 'choices');
  cap('maxStop', s.stop.length, 'stop strings');
  cap('maxLogitBias', Object.keys(s.logitBias ?? {}).length, 'entries');
  if (req.kind === 'chat') cap('maxTools', req.tools?.length ?? 0, 'tools');

  const context = bounds.contextTokens;
  const ceiling = Math.min(limits.maxTokens, context ?? Number.POSITIVE_INFINITY);
  if (s.maxTokens === ENGINE_LIMIT_TOKENS) {
    const { maxTokens: _unbounded, ...rest } = s;
    const limit = engineLimit(req, limits, context);
    return { ...req, sampling: limit === undefined ? rest : { ...rest, maxTokens: limit } };
  }
  if (s.maxTokens !== undefined && s.maxTokens > ceiling) {
    const limit =
      context !== undefined && context <= limits.maxTokens
        ? `the context of model '${req.model}' is ${context} tokens`
        : `this gateway accepts at most ${limits.maxTokens} (setting ${LIMIT_SETTINGS.maxTokens})`;
    throw new SwitchyardError(
      'SY_BAD_REQUEST',
      `'${name('maxTokens')}' is ${s.maxTokens}; ${limit}.`,
      { param: name('maxTokens') },
    );
  }
  return req;
}

/**
 * "Until the engine's limit" made concrete: what is left of the context after the prompt, at
 * most the ceiling. The prompt is counted as its UTF-8 bytes, which no byte-level BPE
 * tokenizer exceeds, so the sum never passes the context (vLLM refuses a request whose prompt
 * plus `max_tokens` would). Without a known context — or a prompt that may fill it — the
 * field is left out and the engine applies its own bound, which every engine derives from its
 * context (vLLM and TGI the context left, llama.cpp a full context, Ollama 10 × `num_ctx`);
 * nothing is passed on as "infinite".
 */
function engineLimit(
  req: InferenceRequest,
  limits: RequestLimits,
  context: number | undefined,
): number | undefined {
  if (context === undefined) return undefined;
  const left = context - Buffer.byteLength(promptText(req), 'utf8') - TEMPLATE_TOKENS;
  return left >= 1 ? Math.min(left, limits.maxTokens) : undefined;
}
