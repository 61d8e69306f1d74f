import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** What an operator gets from a command: its exit code and both outputs. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Debian tool the deploy tests need. A missing tool fails the test with the package
 * to install (.ci/run installs them): a skipped check would pass without checking anything.
 */
export function tool(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: opts.cwd ?? ROOT,
        env: { ...process.env, ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && !stderr ? err.message : stderr });
      },
    );
  });
}

/** Debian package that ships each tool. */
const PACKAGES: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  kubectl: 'kubernetes-client',
  'docker-compose': 'docker-compose',
};

/** Throws, naming the package, when `command` is not on the PATH. */
export function requireTool(command: string): void {
  const dirs = (process.env['PATH'] ?? '').split(delimiter);
  if (dirs.some((d) => existsSync(join(d, command)))) return;
  throw new Error(
    `${command} is not installed: apt-get install ${PACKAGES[command] ?? command} (.ci/run does)`,
  );
}
