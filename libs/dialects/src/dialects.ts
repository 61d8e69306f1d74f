import type { Dialect, DialectId } from './dialect';
import { anthropicDialect } from './anthropic/anthropic.dialect';
import { ollamaDialect } from './ollama/ollama.dialect';
import { openaiDialect } from './openai/openai.dialect';

/** Every client dialect the gateway serves. A new dialect is one module and one row here. */
export const DIALECTS = {
  openai: openaiDialect,
  anthropic: anthropicDialect,
  ollama: ollamaDialect,
} as const satisfies Record<DialectId, Dialect>;

const BY_PATH = new Map<string, Dialect>(
  Object.values(DIALECTS).flatMap((d) => d.routes.map((r) => [r.path, d] as [string, Dialect])),
);

/** The dialect whose shape errors on this path take (OpenAI's when no dialect claims it). */
export function dialectForPath(path: string): Dialect {
  const clean = path.split('?', 1)[0] ?? path;
  return BY_PATH.get(clean) ?? DIALECTS.openai;
}
