import type { InferenceRequest, SwitchyardError } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { StreamEncoder } from '../dialect';
import { promptOf } from '../text-completion';
import { vllmErrorBody } from './vllm.errors';

/**
 * The vLLM demo server's answers (vllm/entrypoints/api_server.py `generate`): `{"text": [...]}`
 * with one entry per choice, each the prompt followed by that choice's completion.
 *
 * Streaming is not SSE: each message is the same object with every choice's cumulative text so
 * far, followed by `\n` (current vLLM; releases before 2024 and MindIE use a NUL byte instead).
 * One line goes out per piece of generated text. vLLM simply drops the connection on a failure;
 * Switchyard writes a last line `{"error": "…"}` first, so the client can tell why.
 */
export function createVllmStreamEncoder(req: InferenceRequest): StreamEncoder {
  const prompt = promptOf(req);
  const texts: string[] = Array.from({ length: req.sampling.n }, () => '');
  let wrote = false;

  const line = (): string => {
    wrote = true;
    return `${JSON.stringify({ text: texts.map((t) => prompt + t) })}\n`;
  };

  return {
    event(e) {
      switch (e.type) {
        case 'delta':
          if (!e.text) return '';
          texts[e.index] = (texts[e.index] ?? '') + e.text;
          return line();
        case 'done':
          // vLLM always sends at least one message, even for an empty completion.
          return wrote ? '' : line();
        case 'start':
        case 'usage':
        case 'embedding':
        case 'error':
          return '';
      }
    },
    error: (err: SwitchyardError) => `${JSON.stringify(vllmErrorBody(err))}\n`,
    end: () => '',
  };
}

export function vllmResponse(req: InferenceRequest, result: CollectedResult) {
  const prompt = promptOf(req);
  return { text: result.choices.map((c) => prompt + c.text) };
}
