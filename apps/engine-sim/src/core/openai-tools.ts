import type { ChatMessage } from './chat-template';
import { isRecord, type Body } from './request-fields';
import { SimError } from './sim-errors';
import { chooseTool, type ToolChoice, type ToolSpec } from './tool-call-plan';

/**
 * OpenAI `tools` and `tool_choice`, read the way OpenAI-compatible engines read them
 * (llama.cpp's `common_chat_tools_parse_oaicompat` and `common_chat_tool_choice_parse_oaicompat`
 * wording), and the tool a chat request makes the model call.
 */

const invalid = (message: string): SimError => new SimError('invalid_request', message);

const NAMED_CHOICES: ReadonlySet<unknown> = new Set(['auto', 'none', 'required']);
const isNamedChoice = (value: unknown): value is 'auto' | 'none' | 'required' =>
  NAMED_CHOICES.has(value);

export function parseTools(value: unknown): ToolSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`Expected 'tools' to be an array, got ${dump(value)}`);
  return value.map((tool: unknown) => {
    if (!isRecord(tool) || !('type' in tool)) throw invalid(`Missing tool type: ${dump(tool)}`);
    if (tool.type !== 'function') throw invalid(`Unsupported tool type: ${dump(tool)}`);
    const fn = tool.function;
    if (!isRecord(fn)) throw invalid(`Missing tool function: ${dump(tool)}`);
    if (typeof fn.name !== 'string') throw invalid(`Missing tool name: ${dump(tool)}`);
    return { name: fn.name, parameters: fn.parameters ?? {} };
  });
}

/** `auto` when absent; a `{type:"function", function:{name}}` object names one tool. */
export function parseToolChoice(value: unknown, tools: readonly ToolSpec[]): ToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (typeof value === 'string') {
    if (isNamedChoice(value)) return value;
    throw invalid(`Invalid tool_choice: ${value}`);
  }
  const name = isRecord(value) && isRecord(value.function) ? value.function.name : undefined;
  if (typeof name !== 'string') throw invalid(`Invalid tool_choice: ${dump(value)}`);
  if (!tools.some((tool) => tool.name === name)) {
    throw invalid(`tool_choice names a function that is not in tools: ${name}`);
  }
  return { function: name };
}

/** The tool every choice of this chat request calls, or undefined for a plain answer. */
export function requestedTool(body: Body, messages: readonly ChatMessage[]): ToolSpec | undefined {
  const tools = parseTools(body.tools);
  const choice = parseToolChoice(body.tool_choice, tools);
  const lastUser = messages.findLast((message) => message.role === 'user');
  return chooseTool(tools, choice, lastUser?.content ?? '');
}

const dump = (value: unknown): string => JSON.stringify(value) ?? String(value);
