import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isEngineKind, type EngineKind } from '@switchyard/contracts';

/**
 * Where each engine's golden fixtures live. llama.cpp's are recorded transcripts of a real
 * server, shared with the simulator outside the repo; the others are hand-written beside
 * the adapters.
 */
const FIXTURE_DIRS = {
  llamacpp: path.resolve(__dirname, '../../../../shared/fixtures/llamacpp'),
  vllm: path.resolve(__dirname, '../../engines/fixtures/vllm'),
  mindie: path.resolve(__dirname, '../../engines/fixtures/mindie'),
  tgi: path.resolve(__dirname, '../../engines/fixtures/tgi'),
  ollama: path.resolve(__dirname, '../../engines/fixtures/ollama'),
  openai: path.resolve(__dirname, '../../engines/fixtures/openai'),
} as const satisfies Record<EngineKind, string>;

/** A fixture response: status, headers (names lower-cased) and body, as text and as bytes. */
export interface HttpFixture {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body's exact bytes, for feeding a decoder in arbitrary chunks. */
  bytes: Buffer;
}

/** The raw bytes of a fixture file of `engine` (e.g. a `.prom` or `.json` body). */
export function fixtureBytes(engine: EngineKind, name: string): Buffer {
  return readFileSync(path.join(FIXTURE_DIRS[engine], name));
}

/** The whole text of a fixture file of `engine`, unparsed. */
export function fixtureText(engine: EngineKind, name: string): string {
  return fixtureBytes(engine, name).toString('utf8');
}

/** Where the head of a recorded response ends: its first blank line, CRLF or bare LF. */
function headEnd(raw: Buffer): { head: number; body: number } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { head: crlf, body: crlf + 4 };
  if (lf >= 0) return { head: lf, body: lf + 2 };
  return { head: raw.length, body: raw.length };
}

/**
 * A fixture of `engine`. A `.http` file is a recorded response (status line, headers, a
 * blank line, the body); any other file is a 200 whose body is the whole file.
 */
export function httpFixture(engine: EngineKind, name: string): HttpFixture {
  const raw = fixtureBytes(engine, name);
  if (!name.endsWith('.http')) {
    return { status: 200, headers: {}, body: raw.toString('utf8'), bytes: raw };
  }
  const { head, body } = headEnd(raw);
  const [statusLine = '', ...headerLines] = raw.subarray(0, head).toString('utf8').split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bytes = raw.subarray(body);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: bytes.toString('utf8'),
    bytes,
  };
}

/** A fixture named `engine/file` (e.g. `vllm/v1-models.http`), for specs spanning engines. */
export function httpFixtureAt(ref: string): HttpFixture {
  const slash = ref.indexOf('/');
  const engine = ref.slice(0, slash);
  if (slash < 0 || !isEngineKind(engine)) throw new Error(`not an engine/file fixture: ${ref}`);
  return httpFixture(engine, ref.slice(slash + 1));
}
