import { Teardown } from '@switchyard/testing';
import { killAllLaunched, stopAllLaunched } from '../test/e2e/support/processes';

/** What a benchmark's main sees of its own process: cleanup, and whether it is being stopped. */
export interface BenchProcess {
  /** Runs at the end, on success, failure or a signal, before the launched processes stop. */
  readonly teardown: Teardown;
  /** A signal arrived: phases should return early, the signal's exit is the one that counts. */
  readonly stopping: boolean;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Runs a benchmark's main with the process handling every benchmark needs: a first SIGINT or
 * SIGTERM stops every process it started (teardown first), a second kills them at once, and
 * whatever still runs when this process exits dies with it. Exits 0 (or the exitCode main set),
 * 1 on an error, 130 on a signal.
 */
export function runBenchmark(main: (run: BenchProcess) => Promise<void>): void {
  const run = { teardown: new Teardown(), stopping: false };
  const stop = async (code: number): Promise<never> => {
    await run.teardown.run().catch((err: unknown) => log(`teardown: ${String(err)}`));
    await stopAllLaunched();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (run.stopping) {
      killAllLaunched();
      process.exit(130);
    }
    run.stopping = true;
    log(`${signal}: stopping every process the benchmark started…`);
    void stop(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllLaunched);
  main(run).then(
    // A main that sets process.exitCode (a failed check) exits with it.
    () =>
      run.stopping ? undefined : stop(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (err: unknown) => {
      if (run.stopping) return;
      log(err instanceof Error ? (err.stack ?? err.message) : String(err));
      return stop(1);
    },
  );
}
