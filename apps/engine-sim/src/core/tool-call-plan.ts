import { pick, seededRandom } from './prng';
import { isRecord, type Body } from './request-fields';
import { splitPieces } from './tokenizer';
import { WORDS } from './vocabulary';

/**
 * Tool calls the fake model makes: which offered tool it calls, and arguments that satisfy the
 * tool's JSON Schema (every required property filled with a deterministic value of its type).
 */

/** An offered function, engine-neutral. */
export interface ToolSpec {
  readonly name: string;
  /** The function's JSON Schema for its arguments, as the request gave it. */
  readonly parameters: unknown;
}

/** OpenAI `tool_choice`, engine-neutral; a named function is `{ function: name }`. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly function: string };

export interface PlannedToolCall {
  readonly name: string;
  /** The arguments as JSON text. */
  readonly arguments: string;
  /** `arguments` cut where the model's tokens would cut it; they join back to it. */
  readonly fragments: readonly string[];
}

/**
 * The tool a choice calls, if any: the named one; for `required` the first tool the last user
 * message mentions, else the first tool; for `auto` only a mentioned tool.
 */
export function chooseTool(
  tools: readonly ToolSpec[],
  choice: ToolChoice,
  lastUserText: string,
): ToolSpec | undefined {
  if (choice === 'none') return undefined;
  if (typeof choice === 'object') return tools.find((tool) => tool.name === choice.function);
  const text = lastUserText.toLowerCase();
  const mentioned = tools.find((tool) => text.includes(tool.name.toLowerCase()));
  return choice === 'required' ? (mentioned ?? tools[0]) : mentioned;
}

/** The call a choice makes, a pure function of the tool and the choice's plan key. */
export function planToolCall(tool: ToolSpec, key: number): PlannedToolCall {
  const random = seededRandom(key, tool.name);
  // Function arguments are always a JSON object, whatever the schema says at the top.
  const schema = isRecord(tool.parameters) ? tool.parameters : {};
  const args = JSON.stringify(VALUE_MAKERS.object(schema, random, 0));
  return { name: tool.name, arguments: args, fragments: splitPieces(args) };
}

type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';
type ValueMaker = (schema: Body, random: () => number, depth: number) => unknown;

/** Deeper schemas (often recursive through `$ref`) get empty arrays and objects. */
const MAX_DEPTH = 4;

const VALUE_MAKERS = {
  string: (_schema, random) => pick(WORDS, random()).trim(),
  integer: (schema, random) => {
    const [lo, hi] = bounds(schema);
    const [min, max] = [Math.ceil(lo), Math.floor(hi)];
    return max < min ? min : min + Math.floor(random() * (max - min + 1));
  },
  number: (schema, random) => {
    const [lo, hi] = bounds(schema);
    return Math.round((lo + random() * (hi - lo)) * 10) / 10;
  },
  boolean: (_schema, random) => random() < 0.5,
  array: (schema, random, depth) =>
    depth >= MAX_DEPTH ? [] : [valueFor(schema.items, random, depth + 1)],
  object: (schema, random, depth) => {
    if (depth >= MAX_DEPTH) return {};
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required: readonly unknown[] = Array.isArray(schema.required) ? schema.required : [];
    const names = required.filter((name): name is string => typeof name === 'string');
    return Object.fromEntries(
      names.map((name) => [name, valueFor(properties[name], random, depth + 1)]),
    );
  },
  null: () => null,
} as const satisfies Record<SchemaType, ValueMaker>;

function valueFor(schema: unknown, random: () => number, depth: number): unknown {
  if (!isRecord(schema)) return VALUE_MAKERS.string({}, random);
  if ('const' in schema) return schema.const;
  const options: readonly unknown[] = Array.isArray(schema.enum) ? schema.enum : [];
  if (options.length > 0) return pick(options, random());
  return VALUE_MAKERS[schemaType(schema)](schema, random, depth);
}

function schemaType(schema: Body): SchemaType {
  const declared: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  // A nullable type such as ["string", "null"] gets a value of its non-null type.
  const known = declared.filter((type): type is SchemaType => isSchemaType(type));
  const chosen = known.find((type) => type !== 'null') ?? known[0];
  if (chosen) return chosen;
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

function isSchemaType(value: unknown): value is SchemaType {
  return typeof value === 'string' && Object.hasOwn(VALUE_MAKERS, value);
}

/** Inclusive range for a numeric value: the schema's bounds, else 1..100 around them. */
function bounds(schema: Body): [number, number] {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const lo = min ?? (max === undefined ? 1 : Math.min(1, max - 100));
  return [lo, max ?? lo + 99];
}
