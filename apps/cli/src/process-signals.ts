/** How long past its own bound (the drain grace) a stopping process may take before it exits anyway. */
const STOP_SLACK_MS = 5000;
/** After its parent died, how long a child may take to stop before it exits regardless. */
export const PARENT_GONE_GRACE_MS = 2000;
/** How often a child started with an IPC channel checks that its parent still lives. */
const PARENT_POLL_MS = 500;

/**
 * Runs `stop` once on SIGINT, SIGTERM or SIGHUP, and — when a parent (`switchyard up`) started
 * this process with an IPC channel — when that parent goes away, so no child outlives it:
 * the channel's `disconnect`, or the parent pid changing (the child was re-parented), whichever
 * comes first. Without a parent there is nobody to drain for, so a child then exits within
 * PARENT_GONE_GRACE_MS even if `stop` (a drain, a Redis that is gone) would take longer, and
 * even if it was already stopping. With `graceMs`, a signalled process exits at the latest
 * `graceMs` + 5 s after the signal even if `stop` has not finished: a stop that waits on an
 * unreachable Redis must still end.
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
  process.on('SIGHUP', () => handle('SIGHUP'));
  if (process.send) onParentGone(() => handle('parent exited'));
}

/**
 * Calls `gone` once when the parent that started this process with an IPC channel is gone,
 * and arms the hard deadline. A no-op for a process started without one.
 */
export function onParentGone(gone: () => void): void {
  if (!process.send) return;
  const parent = process.ppid;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    clearInterval(poll);
    setTimeout(() => process.exit(1), PARENT_GONE_GRACE_MS).unref();
    gone();
  };
  const poll = setInterval(() => {
    if (process.ppid !== parent) fire();
  }, PARENT_POLL_MS);
  poll.unref();
  process.on('disconnect', fire);
}
