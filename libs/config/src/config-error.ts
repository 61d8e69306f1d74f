import type { z } from 'zod';

/** Every configuration problem at once, each with where it came from and what to do. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  static fromZod(error: z.ZodError, sourceOf: (path: string) => string): ConfigError {
    return new ConfigError(
      error.issues.map((issue) => {
        const path = issue.path.join('.');
        return `${path} (${sourceOf(path)}): ${issue.message}`;
      }),
    );
  }
}
