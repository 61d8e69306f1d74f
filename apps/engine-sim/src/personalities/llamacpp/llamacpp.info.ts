import { CHATML_TEMPLATE } from '../../core/chat-template';
import type { JsonObject, JsonValue } from '../../core/json-writer';
import { resolveSettings, settingsJson } from './llamacpp.settings';
import { BUILD_INFO, unixNow } from './llamacpp.wire';
import type { SlotSnapshot } from '../../core/sequence';
import type { SimSettings } from '../../core/sim-options';
import { DEFAULT_SEED } from '../../core/text-generator';
import { BOS_PIECE, EOS_PIECE, N_VOCAB } from '../../core/tokenizer';

/** Bodies of llama.cpp's informational endpoints, shaped like the recorded transcripts. */

// Sizes of the small F16 model the transcripts were recorded with; `n_embd` follows the
// simulated embedding size instead, so a client can learn the vector length from it.
const MODEL_META = { vocab_type: 1, n_params: 4178240, size: 8357120 } as const;
const N_CTX_TRAIN = 4096;

/** Server defaults, as `/props` shows them and as an embedding task's slot reports them. */
export const DEFAULT_SETTINGS = resolveSettings(
  {},
  {
    seed: DEFAULT_SEED,
    stop: [],
    nPredict: -1,
    stream: false,
    nProbs: 0,
    chatFormat: 'Content-only',
    reasoningFormat: 'none',
    generationPrompt: '',
  },
);

export function healthJson(): JsonObject {
  return { status: 'ok' };
}

export function modelsJson(settings: SimSettings): JsonObject {
  const alias = settings.model;
  return {
    models: [
      {
        name: alias,
        model: alias,
        modified_at: '',
        size: '',
        digest: '',
        type: 'model',
        description: '',
        tags: [''],
        capabilities: ['completion'],
        parameters: '',
        details: {
          parent_model: '',
          format: 'gguf',
          family: '',
          families: [''],
          parameter_size: '',
          quantization_level: '',
        },
      },
    ],
    object: 'list',
    data: [
      {
        id: alias,
        aliases: [alias],
        tags: [],
        object: 'model',
        created: unixNow(),
        owned_by: 'llamacpp',
        meta: {
          vocab_type: MODEL_META.vocab_type,
          n_vocab: N_VOCAB,
          n_ctx: settings.ctxSize,
          n_ctx_train: Math.max(N_CTX_TRAIN, settings.ctxSize),
          n_embd: settings.embeddingDim,
          n_params: MODEL_META.n_params,
          size: MODEL_META.size,
          ftype: 'F16',
        },
      },
    ],
  };
}

export function propsJson(settings: SimSettings, mediaMarker: string): JsonObject {
  return {
    default_generation_settings: {
      params: settingsJson(DEFAULT_SETTINGS, 'slot'),
      n_ctx: settings.ctxSize,
    },
    total_slots: settings.slots,
    model_alias: settings.model,
    model_ftype: 'F16',
    model_path: `models/${settings.model}.gguf`,
    modalities: { vision: settings.vision, video: false, audio: false },
    media_marker: mediaMarker,
    endpoint_slots: true,
    endpoint_props: false,
    endpoint_metrics: true,
    ui: true,
    ui_settings: {},
    chat_template: CHATML_TEMPLATE,
    chat_template_caps: {
      supports_object_arguments: false,
      supports_parallel_tool_calls: false,
      supports_preserve_reasoning: false,
      supports_string_content: true,
      supports_system_role: true,
      supports_tool_calls: false,
      supports_tools: false,
      supports_typed_content: false,
    },
    bos_token: BOS_PIECE,
    eos_token: EOS_PIECE,
    build_info: BUILD_INFO,
    is_sleeping: false,
    cors_proxy_enabled: false,
  };
}

/** A never-used slot shows only its identity; a used one keeps showing its last task. */
export function slotsJson(slots: readonly SlotSnapshot[]): JsonValue {
  return slots.map((slot): JsonObject => {
    const head = {
      id: slot.id,
      n_ctx: slot.nCtx,
      speculative: false,
      is_processing: slot.isProcessing,
    };
    const task = slot.task;
    if (!task) return head;
    return {
      ...head,
      id_task: task.taskId,
      // Current builds count the tokens generated so far (all but the last, not yet in the
      // cache) in n_prompt_tokens; the prompt alone is cache + processed.
      n_prompt_tokens: task.nPromptTokens + Math.max(0, task.nDecoded - 1),
      n_prompt_tokens_processed: task.nPromptTokensProcessed,
      n_prompt_tokens_cache: task.nPromptTokensCache,
      params: task.params,
      next_token: [
        {
          has_next_token: task.hasNextToken,
          has_new_line: task.hasNewLine,
          n_remain: task.nPredict < 0 ? -1 : Math.max(0, task.nPredict - task.nDecoded),
          n_decoded: task.nDecoded,
        },
      ],
    };
  });
}
