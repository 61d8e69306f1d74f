import { format, resolveConfig } from 'prettier';

/** Number formats shared by the console, Markdown and chart output. */
export const seconds = (ms: number): string =>
  Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)}` : '∞';
export const millis = (ms: number): string => (Number.isFinite(ms) ? `${Math.round(ms)}` : '–');
export const percent = (share: number, digits = 0): string => `${(share * 100).toFixed(digits)}%`;
export const fixed = (v: number, digits = 1): string => v.toFixed(digits);

/** A Markdown table; every row must have as many cells as the header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `2025-01-31-1405`: sortable, and safe in file names. */
export function stamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}`;
}

/** Markdown as the repository's Prettier would write it, so generated files pass `npm run lint`. */
export async function prettyMarkdown(text: string, path: string): Promise<string> {
  const config = (await resolveConfig(path)) ?? {};
  return format(text, { ...config, parser: 'markdown', filepath: path });
}
