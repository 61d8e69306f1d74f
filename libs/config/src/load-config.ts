import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from './config-error';

/** Where one setting may come from, in rising precedence: file < environment < flags. */
export interface ConfigSources {
  /** Path of a JSON config file (`--config FILE`), whose keys are the setting names. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values given on the command line; undefined entries are ignored. */
  flags?: Record<string, unknown>;
}

/** Maps a setting name to the environment variable that may set it. */
export type EnvNames<T> = Partial<Record<keyof T & string, string>>;

/**
 * Loads one process's configuration once: merges the sources, validates with the schema,
 * freezes the result, and reports every problem in one error naming its source.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  envNames: EnvNames<z.input<S>>,
  sources: ConfigSources = {},
): Readonly<z.output<S>> {
  const origin = new Map<string, string>();
  const raw: Record<string, unknown> = {};

  if (sources.file !== undefined) {
    for (const [key, value] of Object.entries(readConfigFile(sources.file))) {
      raw[key] = value;
      origin.set(key, `config file ${sources.file}`);
    }
  }
  const env = sources.env ?? process.env;
  for (const [key, name] of Object.entries(envNames) as [string, string][]) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      origin.set(key, `environment ${name}`);
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    raw[key] = value;
    origin.set(key, `flag --${kebab(key)}`);
  }

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw ConfigError.fromZod(parsed.error, (path) => {
      const top = path.split('.')[0] ?? path;
      const envName = (envNames as Record<string, string | undefined>)[top];
      return (
        origin.get(top) ?? (envName ? `default; set --${kebab(top)} or ${envName}` : 'default')
      );
    });
  }
  return Object.freeze(parsed.data);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`config file ${file}: cannot be read (${(err as Error).message})`]);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([
      `config file ${file}: is not a JSON object (${(err as Error).message})`,
    ]);
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
