import type {
  DeltaEvent,
  ErrorCode,
  FinishReason,
  GenerationRequest,
  StreamEvent,
  TokenLogprob,
  ToolCallDelta,
} from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';
import { engineErrorEvent } from '../shared/engine-error';
import {
  asArray,
  asNumber,
  asString,
  isObject,
  tryParseJson,
  type JsonObject,
} from '../shared/json-guards';
import { generatedToolCallId } from '../shared/tool-call-ids';

/**
 * Ollama's NDJSON stream. Each line is `{model, created_at, message: {role, content, thinking?,
 * tool_calls?}, done: false}` (chat) or `{response, thinking?, done: false}` (generate); the last
 * is `done: true` with `done_reason` and the counts, which Go omits when zero. A failure after
 * the first line is a last line `{"error": "…"}`, the status staying 200.
 * Reference: ollama/ollama docs/api.md, api/types.go `ChatResponse`, `GenerateResponse`,
 * `Metrics`, server/routes.go `streamResponse`.
 */

// llm/server.go gives stop/length; load/unload answer an empty prompt, which generated nothing.
const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  load: 'stop',
  unload: 'stop',
};
const DEFAULT_FINISH: FinishReason = 'stop';

type Alternative = TokenLogprob['top'][number];

export function createOllamaStreamParser(req: GenerationRequest): EngineStreamParser {
  const top = req.sampling.logprobs?.top;
  let calls = 0;
  let output = false;
  let finished = false;

  const fail = (code: ErrorCode, message: string): StreamEvent[] => {
    finished = true;
    return [engineErrorEvent(code, message, output)];
  };

  const toCall = (raw: unknown): ToolCallDelta[] => {
    if (!isObject(raw)) return [];
    const fn = isObject(raw.function) ? raw.function : {};
    const index = calls++;
    const call: ToolCallDelta = {
      index,
      id: asString(raw.id) || generatedToolCallId(req.id, 0, index),
      arguments: toArgumentsText(fn.arguments),
    };
    const name = asString(fn.name);
    if (name) call.name = name;
    return [call];
  };

  const finish = (line: JsonObject): StreamEvent[] => {
    finished = true;
    const reason = asString(line.done_reason);
    const mapped = (reason === undefined ? undefined : FINISH_REASONS[reason]) ?? DEFAULT_FINISH;
    return [
      {
        type: 'usage',
        promptTokens: asNumber(line.prompt_eval_count) ?? 0,
        completionTokens: asNumber(line.eval_count) ?? 0,
      },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: calls > 0 && mapped === 'stop' ? 'tool_calls' : mapped },
        ],
      },
    ];
  };

  return {
    push(record) {
      if (finished) return [];
      const line = tryParseJson(record);
      if (!isObject(line)) return fail('SY_ENGINE_ERROR', 'engine sent a malformed stream record');
      if (line.error !== undefined && line.error !== null) {
        // No status or category rides along, and message text is not something to branch on.
        return fail('SY_ENGINE_ERROR', asString(line.error) || 'engine reported an error');
      }
      const source = isObject(line.message) ? line.message : line;
      const text = isObject(line.message)
        ? asString(line.message.content)
        : asString(line.response);
      const reasoning = asString(source.thinking);
      const toolCalls = asArray(source.tool_calls).flatMap(toCall);
      const logprobs = top === undefined ? [] : toTokenLogprobs(line.logprobs, top);
      const events: StreamEvent[] = [];
      if (text || reasoning || toolCalls.length > 0 || logprobs.length > 0) {
        const delta: DeltaEvent = { type: 'delta', index: 0 };
        if (text) delta.text = text;
        if (reasoning) delta.reasoning = reasoning;
        if (toolCalls.length > 0) delta.toolCalls = toolCalls;
        if (logprobs.length > 0) delta.logprobs = logprobs;
        output = true;
        events.push(delta);
      }
      return line.done === true ? [...events, ...finish(line)] : events;
    },
    end() {
      if (finished) return [];
      return fail('SY_STREAM_INTERRUPTED', 'engine closed the stream before it finished');
    },
  };
}

/** Ollama sends arguments as a JSON object; canonical arguments are its JSON text. */
function toArgumentsText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  return raw === undefined || raw === null ? '{}' : JSON.stringify(raw);
}

function toTokenLogprobs(raw: unknown, top: number): TokenLogprob[] {
  return asArray(raw).flatMap((item) => {
    const chosen = toAlternative(item);
    if (chosen === undefined || !isObject(item)) return [];
    const alternatives = asArray(item.top_logprobs).flatMap((alt) => toAlternative(alt) ?? []);
    return [{ ...chosen, top: alternatives.slice(0, top) }];
  });
}

function toAlternative(raw: unknown): Alternative | undefined {
  if (!isObject(raw)) return undefined;
  const token = asString(raw.token);
  const logprob = asNumber(raw.logprob);
  if (token === undefined || logprob === undefined) return undefined;
  const bytes = asArray(raw.bytes);
  const valid =
    bytes.length > 0 &&
    bytes.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) < 256);
  return { token, logprob, bytes: valid ? (bytes as number[]) : null };
}
