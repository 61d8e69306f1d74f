import type { Dialect, DialectId } from './dialect';
import { anthropicDialect } from './anthropic/anthropic.dialect';
import { kserveDialect } from './kserve/kserve.dialect';
import { mindieDialect } from './mindie/mindie.dialect';
import { ollamaDialect } from './ollama/ollama.dialect';
import { openaiDialect } from './openai/openai.dialect';
import { tgiDialect } from './tgi/tgi.dialect';
import { vllmDialect } from './vllm/vllm.dialect';

/**
 * Every client dialect the gateway serves. A new dialect is one module and one row here.
 * Order matters where two dialects share a path (TGI's and vLLM's `/generate`): the earlier
 * row is asked first whether it claims the body, and is the fallback.
 */
export const DIALECTS = {
  openai: openaiDialect,
  anthropic: anthropicDialect,
  ollama: ollamaDialect,
  // Before vllm: both serve `POST /generate`, and TGI's is the fallback for bodies neither claims.
  tgi: tgiDialect,
  vllm: vllmDialect,
  kserve: kserveDialect,
  mindie: mindieDialect,
} as const satisfies Record<DialectId, Dialect>;

/** The table's rows, in order. */
export const DIALECT_LIST: readonly Dialect[] = Object.values(DIALECTS);

/** Path prefixes per dialect: `''` serves a route at its own path, `/api` in front of it (`/api/v1/models`, seed 004). */
export type DialectMounts = Partial<Record<DialectId, readonly string[]>>;

export const DEFAULT_MOUNTS: Readonly<Record<DialectId, readonly string[]>> = {
  openai: ['', '/api'],
  anthropic: ['', '/api'],
  ollama: [''],
  tgi: [''],
  vllm: [''],
  kserve: [''],
  mindie: [''],
};

/** One mounted path of a dialect, with its route pattern (`:name` segments match anything). */
export interface MountedPath {
  dialect: Dialect;
  /** Full path as Fastify routes it, e.g. `/api/v1/chat/completions`, `/v2/models/:name`. */
  path: string;
}

/**
 * Every path each dialect serves under its mounts: every dialect's inference routes first,
 * then the API routes, so a path that is one dialect's inference route and another's listing
 * (TGI's `POST /`, Ollama's `GET /`) is the inference route's.
 */
export function mountedPaths(mounts: DialectMounts = {}): MountedPath[] {
  const out: MountedPath[] = [];
  for (const pick of [(d: Dialect) => d.routes, (d: Dialect) => d.apiRoutes ?? []]) {
    for (const dialect of DIALECT_LIST) {
      const prefixes = mounts[dialect.id] ?? DEFAULT_MOUNTS[dialect.id];
      for (const prefix of prefixes) {
        for (const r of pick(dialect)) out.push({ dialect, path: prefix + r.path });
      }
    }
  }
  return out;
}

/**
 * Finds the dialect whose error shape a request on `path` expects: the dialect that serves
 * the path, else a guess from its prefix (Ollama's `/api/`, KServe's `/v2`), else OpenAI's.
 */
export function createDialectLocator(mounts: DialectMounts = {}): (path: string) => Dialect {
  const exact = new Map<string, Dialect>();
  const patterns: { re: RegExp; dialect: Dialect }[] = [];
  for (const { dialect, path } of mountedPaths(mounts)) {
    if (path.includes('/:')) {
      const source = path
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : escapeRegExp(seg)))
        .join('/');
      patterns.push({ re: new RegExp(`^${source}$`), dialect });
    } else if (!exact.has(path)) exact.set(path, dialect);
  }
  return (rawPath) => {
    const path = rawPath.split('?', 1)[0] ?? rawPath;
    const found = exact.get(path) ?? patterns.find((p) => p.re.test(path))?.dialect;
    if (found) return found;
    for (const [prefix, id] of PREFIX_GUESSES) {
      if (path.startsWith(prefix)) return DIALECTS[id];
    }
    return DIALECTS.openai;
  };
}

/** Unknown paths under these prefixes most likely come from that dialect's clients. */
const PREFIX_GUESSES: readonly (readonly [string, DialectId])[] = [
  ['/api/v1/', 'openai'],
  ['/api/', 'ollama'],
  ['/v2', 'kserve'],
];

/** The dialect for `path` under the default mounts. */
export const dialectForPath = createDialectLocator();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
