import { z } from 'zod';
import { seededRandom } from './prng';
import { SimError, type SimErrorKind } from './sim-errors';

/**
 * Fault knobs, all off by default. They are set at start (options, CLI flags) and can be changed
 * on a running engine through `POST /__sim/faults`, so a test can flip a healthy engine to a
 * failing one without restarting it.
 */
export const FAULT_SHAPE = {
  /** Fraction of inference requests that fail before any output. */
  failRate: z.number().min(0).max(1),
  /** HTTP status of those failures, rendered in the engine's own error shape. */
  failStatus: z.union([z.literal(500), z.literal(503)]),
  /** Answer with the engine's overload error at once instead of queueing when it is full. */
  overloadWhenFull: z.boolean(),
  /** Extra delay before the first token of every sequence. */
  stallMs: z.number().min(0),
  /** Drop the connection after this many streamed tokens of a request (null = never). */
  dieAfterTokens: z.number().int().min(0).nullable(),
  /**
   * Fail a request with the engine's own in-band error after this many streamed tokens (null =
   * never): what llama.cpp does when its output parser meets invalid UTF-8 mid-stream.
   */
  errorAfterTokens: z.number().int().min(1).nullable(),
  /** Stop the whole engine abruptly this long after start or after being set (null = never). */
  crashAfterMs: z.number().min(0).nullable(),
  /** Report "loading" for this long after start or after being set. */
  loadingMs: z.number().min(0),
};

export type FaultSettings = { [K in keyof typeof FAULT_SHAPE]: z.infer<(typeof FAULT_SHAPE)[K]> };
export type FailStatus = FaultSettings['failStatus'];

export const FAULT_DEFAULTS: Readonly<FaultSettings> = Object.freeze({
  failRate: 0,
  failStatus: 500,
  overloadWhenFull: false,
  stallMs: 0,
  dieAfterTokens: null,
  errorAfterTokens: null,
  crashAfterMs: null,
  loadingMs: 0,
});

const patchSchema = z.strictObject(FAULT_SHAPE).partial();

const FAILURE_KINDS = {
  500: 'server',
  503: 'unavailable',
} as const satisfies Record<FailStatus, SimErrorKind>;

/** Seeds the failure draws; the n-th request after start (or after `failRate` was set) draws n. */
const FAILURE_SEED = 'engine-sim failRate';

/** A fault patch that does not validate; the message lists every problem. */
export class FaultPatchError extends Error {
  override readonly name = 'FaultPatchError';
}

/** The live fault state of one simulated engine. */
export class SimFaults {
  private state: FaultSettings;
  private sequence = 0;
  private loadingUntil: number;
  private crashTimer: NodeJS.Timeout | undefined;
  private crash: (() => void) | undefined;

  constructor(initial: FaultSettings) {
    this.state = { ...initial };
    this.loadingUntil = Date.now() + initial.loadingMs;
  }

  get current(): Readonly<FaultSettings> {
    return this.state;
  }

  isLoading(): boolean {
    return Date.now() < this.loadingUntil;
  }

  /** Applies any subset of the knobs; throws {@link FaultPatchError} and changes nothing if invalid. */
  update(patch: unknown): Readonly<FaultSettings> {
    const parsed = patchSchema.safeParse(patch);
    if (!parsed.success) throw new FaultPatchError(z.prettifyError(parsed.error));
    const changes = parsed.data;
    this.state = { ...this.state, ...changes };
    // Restart the draws so a test that sets failRate sees the same pattern every run.
    if (changes.failRate !== undefined) this.sequence = 0;
    if (changes.loadingMs !== undefined) this.loadingUntil = Date.now() + changes.loadingMs;
    if (changes.crashAfterMs !== undefined) this.scheduleCrash();
    return this.state;
  }

  /**
   * Draws for the next inference request (generation or embedding): the injected failure it must
   * answer before any output, or undefined. Deterministic over the request sequence.
   */
  nextFailure(): SimError | undefined {
    const draw = seededRandom(FAILURE_SEED, this.sequence++)();
    if (draw >= this.state.failRate) return undefined;
    const kind = FAILURE_KINDS[this.state.failStatus];
    return new SimError(kind, `engine-sim: injected failure (failRate ${this.state.failRate})`);
  }

  /** Registers what a crash does and starts the countdown, restarted whenever it is set again. */
  onCrash(crash: () => void): void {
    this.crash = crash;
    this.scheduleCrash();
  }

  dispose(): void {
    if (this.crashTimer) clearTimeout(this.crashTimer);
    this.crashTimer = undefined;
    this.crash = undefined;
  }

  private scheduleCrash(): void {
    if (this.crashTimer) clearTimeout(this.crashTimer);
    this.crashTimer = undefined;
    const { crashAfterMs } = this.state;
    const crash = this.crash;
    if (crashAfterMs === null || !crash) return;
    this.crashTimer = setTimeout(crash, crashAfterMs);
  }
}
