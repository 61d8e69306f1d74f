import type { InferenceRequest } from '@switchyard/contracts';
import type { CollectedChoice, CollectedResult } from '../collect';
import { promptOf } from '../text-completion';
import type { TgiFacts } from './tgi-parse';
import { textToken, tgiFinishReason, tokenOf, topTokensOf, type TgiToken } from './tgi-wire';

/**
 * TGI's non-streamed answers (router/src/server.rs `generate_internal`, `compat_generate`;
 * lib.rs `GenerateResponse`, `Details`, `BestOfSequence`, `PrefillToken`) and their headers.
 */

interface Sequence {
  choice: CollectedChoice;
  /** The stop string the engine named, which TGI keeps at the end of the text. */
  stop: string | undefined;
  generatedTokens: number;
}

/** The sequences of a result, the `best_of` winner first, then the others in order. */
export function rankSequences(result: CollectedResult): Sequence[] {
  const finished = result.choices.filter((c) => c.finishReason !== null);
  // An engine that ignores `n` finishes one choice; the ones it never produced are not sequences.
  const choices = finished.length > 0 ? finished : result.choices.slice(0, 1);
  const sequences = choices.map((choice): Sequence => ({
    choice,
    stop: choice.finishReason === 'stop' ? choice.stopSequence : undefined,
    generatedTokens:
      result.choices.length === 1
        ? (result.usage?.completionTokens ?? choice.logprobs?.length ?? 0)
        : (choice.logprobs?.length ?? 0),
  }));
  // infer/mod.rs generate_best_of: the highest mean token logprob wins; the first on a tie.
  const best = sequences.reduce<Sequence | undefined>(
    (top, s) => (top === undefined || meanLogprob(s) > meanLogprob(top) ? s : top),
    undefined,
  );
  return best === undefined ? [] : [best, ...sequences.filter((s) => s !== best)];
}

function meanLogprob(s: Sequence): number {
  const lps = s.choice.logprobs ?? [];
  if (lps.length === 0) return -Infinity;
  return lps.reduce((sum, lp) => sum + lp.logprob, 0) / lps.length;
}

export function tgiResponse(req: InferenceRequest, result: CollectedResult, facts: TgiFacts) {
  const prompt = promptOf(req);
  const [winner, ...others] = rankSequences(result);
  const generatedText = (s: Sequence | undefined) =>
    (facts.returnFullText ? prompt : '') + (s?.choice.text ?? '') + (s?.stop ?? '');
  const details = (s: Sequence) => sequenceDetails(s, prompt, facts);
  const body = {
    generated_text: generatedText(winner),
    ...(facts.details && winner !== undefined
      ? {
          details: {
            ...details(winner),
            ...(others.length > 0
              ? {
                  best_of_sequences: others.map((s) => ({
                    generated_text: generatedText(s),
                    ...details(s),
                  })),
                }
              : {}),
          },
        }
      : {}),
  };
  // compat_generate wraps the answer in a list "to match api-inference".
  return facts.route === 'compat' ? [body] : body;
}

function sequenceDetails(s: Sequence, prompt: string, facts: TgiFacts) {
  const lps = s.choice.logprobs;
  const tokens: TgiToken[] = lps ? lps.map(tokenOf) : [textToken(s.choice.text)];
  if (s.stop !== undefined) tokens.push(textToken(s.stop));
  return {
    finish_reason: tgiFinishReason(s.choice.finishReason, s.stop),
    generated_tokens: s.generatedTokens,
    seed: facts.seed,
    // Switchyard does not tokenize: the prompt is one pre-filled piece, without id or logprob.
    prefill: facts.decoderInputDetails ? [{ id: 0, text: prompt, logprob: null }] : [],
    tokens,
    ...(facts.topN > 0 && lps ? { top_tokens: lps.map((lp) => topTokensOf(lp, facts.topN)) } : {}),
  };
}

/**
 * server.rs `generate_internal` headers, where Switchyard has the figure: counts from the
 * engine, times measured in the gateway from parse to answer (`x-compute-time` in seconds, the
 * others in ms). Queue, validation and inference times are not split out.
 */
export function tgiResponseHeaders(
  req: InferenceRequest,
  result: CollectedResult,
  facts: TgiFacts,
  nowMs: number,
): Record<string, string> {
  const prompt = promptOf(req);
  const totalMs = Math.max(0, nowMs - facts.receivedMs);
  const winner = rankSequences(result)[0];
  return {
    'x-compute-time': String(totalMs / 1000),
    'x-compute-characters': String([...prompt].length),
    'x-total-time': String(Math.floor(totalMs)),
    ...(result.usage ? { 'x-prompt-tokens': String(result.usage.promptTokens) } : {}),
    'x-generated-tokens': String(winner?.generatedTokens ?? 0),
  };
}
