import { execFile, type ExecFileException } from 'node:child_process';
import { TelemetryError } from './telemetry-error';

export interface ToolRunnerOptions {
  /** Binary to run: a name looked up on PATH or a path. */
  bin: string;
  /** Kill the run and fail after this long. */
  timeoutMs: number;
  /** Fail (and kill the run) when stdout or stderr grows beyond this. */
  maxOutputBytes: number;
  /** Signal sent on timeout; SIGKILL unless a test needs a process that survives it. */
  killSignal?: NodeJS.Signals;
}

/** First line of what the tool said, short enough for one log line. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 120);
}

/**
 * Runs one vendor tool without a shell and always settles within `timeoutMs`, even when the
 * tool hangs inside the driver and ignores the kill: the promise does not wait for its pipes.
 * A run that was killed but has not exited blocks further runs of the same runner
 * (`SY_TELEMETRY_BUSY`), so a wedged driver does not collect one stuck process per heartbeat.
 */
export class ToolRunner {
  readonly tool: string;
  private readonly opts: Required<ToolRunnerOptions>;
  private stuckPid: number | undefined;

  constructor(tool: string, opts: ToolRunnerOptions) {
    this.tool = tool;
    this.opts = { killSignal: 'SIGKILL', ...opts };
  }

  get bin(): string {
    return this.opts.bin;
  }

  run(args: readonly string[]): Promise<string> {
    const { tool } = this;
    const { bin, timeoutMs, maxOutputBytes, killSignal } = this.opts;
    if (this.stuckPid !== undefined) {
      return Promise.reject(
        new TelemetryError(
          'SY_TELEMETRY_BUSY',
          `${tool}: an earlier run (pid ${this.stuckPid}) was killed but has not exited`,
        ),
      );
    }
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const child = execFile(
        bin,
        [...args],
        { encoding: 'utf8', maxBuffer: maxOutputBytes, killSignal, windowsHide: true },
        (err, stdout, stderr) => {
          clearTimeout(timer);
          if (settled) return;
          settled = true;
          if (err) reject(classify(tool, bin, err, `${stderr}\n${stdout}`));
          else resolve(stdout);
        },
      );
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const pid = child.pid;
        child.kill(killSignal);
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (child.exitCode === null && child.signalCode === null && pid !== undefined) {
          this.stuckPid = pid;
          child.once('exit', () => {
            if (this.stuckPid === pid) this.stuckPid = undefined;
          });
        }
        reject(
          new TelemetryError('SY_TELEMETRY_TIMEOUT', `${tool}: no answer within ${timeoutMs} ms`),
        );
      }, timeoutMs);
    });
  }
}

function classify(
  tool: string,
  bin: string,
  err: ExecFileException,
  output: string,
): TelemetryError {
  const code: unknown = err.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new TelemetryError('SY_TELEMETRY_NOT_FOUND', `${tool}: cannot run ${bin} (${code})`, {
      cause: err,
    });
  }
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new TelemetryError('SY_TELEMETRY_OUTPUT_TOO_LARGE', `${tool}: output over the bound`, {
      cause: err,
    });
  }
  const said = firstLine(output);
  const how = typeof code === 'number' ? `exit ${code}` : `signal ${err.signal ?? String(code)}`;
  return new TelemetryError('SY_TELEMETRY_FAILED', `${tool}: ${how}${said ? `: ${said}` : ''}`, {
    cause: err,
  });
}
