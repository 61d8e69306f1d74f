import { SwitchyardError, type CompletionRequest } from '@switchyard/contracts';
import { z } from 'zod';
import { refuse } from '../canonical';
import type { ParseContext, ParsedRequest } from '../dialect';
import { completionRequest } from '../text-completion';
import { validateBody } from '../validate';
import { applyInputs } from './kserve-inputs';

/**
 * Triton's generate extension (docs/protocol/extension_generate.md) → canonical completion
 * requests. The model is the one the path names; `text_input` runs as written.
 */

/** Switchyard's models have one version, "1" (Triton's default version policy serves the latest). */
export const MODEL_VERSION = '1';

export interface KserveFacts {
  /** The request's `id`, echoed in every response. */
  id?: string;
  version: string;
  /** Non-streamed `text_output` is the prompt plus the completion unless this is set. */
  excludeInputInOutput: boolean;
}

const parameterValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

const generateSchema = z.looseObject({
  id: z.string().nullish(),
  text_input: z.string(),
  parameters: z.record(z.string(), parameterValue.nullable()).nullish(),
});

export type GenerateEndpoint = 'generate' | 'generate_stream';

/** The model named by the path; a version other than Switchyard's one is an unknown model. */
export function pathModel(params: ParseContext['params']): { name: string; version: string } {
  const name = params?.name ?? '';
  const version = params?.version;
  if (version !== undefined && version !== MODEL_VERSION) {
    throw new SwitchyardError(
      'SY_MODEL_NOT_FOUND',
      `Request for unknown model: '${name}' version ${version} is not found`,
      { model: name },
    );
  }
  return { name, version: MODEL_VERSION };
}

export function parseKserveGenerate(
  endpoint: GenerateEndpoint,
  body: unknown,
  ctx: ParseContext,
): ParsedRequest<KserveFacts, CompletionRequest> {
  const { name, version } = pathModel(ctx.params);
  const b = validateBody(generateSchema, body);
  const { id, text_input: prompt, parameters, ...inputs } = b;
  const draft = applyInputs({ ...inputs, ...parameters }, name);
  const stream = endpoint === 'generate_stream';
  if (!stream && draft.stream === true) {
    refuse('stream', "a streamed answer needs the 'generate_stream' endpoint");
  }
  if (stream && draft.excludeInputInOutput === false) {
    // The vLLM backend's rule: streamed responses are deltas, which never repeat the prompt.
    refuse('exclude_input_in_output', "'exclude_input_in_output' must not be false when streaming");
  }
  const request = completionRequest(ctx, {
    model: name,
    prompt,
    sampling: { ...draft.sampling, stop: draft.stop, n: 1 },
    stream,
    extra: draft.extra,
  });
  const facts: KserveFacts = {
    ...(id != null ? { id } : {}),
    version,
    excludeInputInOutput: draft.excludeInputInOutput === true,
  };
  return { request, facts };
}
