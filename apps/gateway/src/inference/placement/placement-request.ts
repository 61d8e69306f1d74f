import { promptText, type InferenceRequest } from '@switchyard/contracts';
import { requestPrefixHashes, type PlacementRequest } from '@switchyard/scheduling';

const NO_HASHES: readonly string[] = [];

/**
 * Which prefix hash of a long prompt stands in for a session key: hash 2 covers the first
 * 1,024 characters (see prefixHashes), about 250 tokens — a system prompt, not a greeting.
 */
const STICKY_PREFIX_HASH = 2;

/** Prompt characters placement hashes for prefix affinity: all that eight hashes cover. */
const PROMPT_CHARS_FOR_AFFINITY = 32_768;

/** Characters per token no ordinary text exceeds: a prompt's tokens are at least its length / this. */
const MAX_CHARS_PER_TOKEN = 8;

/** The placement facts of a request, computed once per request (not per attempt). */
export function placementRequest(req: InferenceRequest): PlacementRequest {
  const text = promptText(req);
  const base = {
    model: req.model,
    modalities: req.modalities,
    promptText:
      text.length > PROMPT_CHARS_FOR_AFFINITY ? text.slice(0, PROMPT_CHARS_FOR_AFFINITY) : text,
  };
  const embedding = req.kind === 'embedding';
  // An embedding reuses no KV cache: no prefix affinity, no prefix standing in for a session.
  const hashes = embedding ? NO_HASHES : requestPrefixHashes(base);
  // Without a session, a long prompt's leading kilobyte stands in for one: prompts sharing a
  // system prompt then hash to the same node (bounded load still spreads a hot one), so the
  // fleet's caches split the prefixes between them instead of each node thrashing on all.
  const sticky = hashes[STICKY_PREFIX_HASH];
  const sessionKey = req.sessionKey ?? (sticky !== undefined ? `prefix:${sticky}` : undefined);
  return {
    ...base,
    prefixHashes: hashes,
    estimatedPromptTokens: Math.ceil(text.length / 4),
    // No tokenizer packs more than about eight characters into one token of ordinary text.
    minPromptTokens: Math.floor(text.length / MAX_CHARS_PER_TOKEN),
    priority: req.priority,
    embedding,
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    ...(req.selectors !== undefined ? { selectors: req.selectors } : {}),
    ...(req.kind !== 'embedding' && req.sampling.maxTokens !== undefined
      ? { maxTokens: req.sampling.maxTokens }
      : {}),
    ...(req.kind === 'chat' && (req.tools?.length ?? 0) > 0 ? { tools: true } : {}),
    ...(req.kind !== 'embedding' && req.sampling.n > 1 ? { choices: req.sampling.n } : {}),
  };
}
