/**
 * Runs `stop` once on SIGINT, SIGTERM, or — when a parent (`switchyard up`) started this
 * process with an IPC channel — when that parent goes away, so no child outlives it.
 */
export function onShutdown(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
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
