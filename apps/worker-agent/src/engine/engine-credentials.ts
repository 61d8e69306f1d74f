import { readFileSync } from 'node:fs';
import { ConfigError, type WorkerConfig } from '@switchyard/config';

/**
 * The bearer token for the engine, from `--engine-api-key-file` (its first line) or
 * `SWITCHYARD_ENGINE_API_KEY`. Read once at start; an unreadable or empty file stops the
 * worker with the file's name, never its content.
 */
export function engineApiKey(config: WorkerConfig): string | undefined {
  if (config.engineApiKeyFile === undefined) return config.engineApiKey;
  let text: string;
  try {
    text = readFileSync(config.engineApiKeyFile, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `engineApiKeyFile: cannot read ${config.engineApiKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  const key = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (key === '') throw new ConfigError([`engineApiKeyFile: ${config.engineApiKeyFile} is empty`]);
  return key;
}
