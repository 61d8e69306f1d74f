import { spawn } from 'node:child_process';
import { onParentGone } from './process-signals';

/**
 * `node tether.js COMMAND [ARGS…]`: runs a program that cannot watch its parent itself (the
 * private redis-server of `switchyard up`) so that it stops when `up` does, whatever ended
 * `up` — even SIGKILL. `up` starts the tether with an IPC channel; when the channel closes or
 * the tether is re-parented, the program gets SIGTERM, then SIGKILL a second later. Signals
 * to the tether are passed on; it exits with the program's status.
 */
const KILL_AFTER_MS = 1000;

function main(): void {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: tether COMMAND [ARGS…]\n');
    process.exit(2);
  }
  const child = spawn(command, args, { stdio: 'inherit' });
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  onParentGone(stop);
  child.on('error', (err) => {
    process.stderr.write(`tether: ${command}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
