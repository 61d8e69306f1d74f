/** How long past its own bound (the drain grace) a stopping process may take before it exits anyway. */
const STOP_SLACK_MS = 5000;

/**
 * Runs `stop` once on SIGINT, SIGTERM, or — when a parent (`switchyard up`) started this
 * process with an IPC channel — when that parent goes away, so no child outlives it.
 * With `graceMs`, the process exits at the latest `graceMs` + 5 s after the signal even if
 * `stop` has not finished: a stop that waits on an unreachable Redis must still end.
 */
export function onShutdown(stop: (signal: string) => Promise<void>, graceMs?: number): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (graceMs !== undefined) {
      const bound = graceMs + STOP_SLACK_MS;
      setTimeout(() => {
        process.stderr.write(`switchyard: did not stop within ${bound} ms; exiting\n`);
        process.exit(1);
      }, bound).unref();
    }
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`switchyard: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
  if (process.send) process.on('disconnect', () => handle('parent exited'));
}
