import { Injectable, Logger } from '@nestjs/common';
import { SwitchyardError } from '@switchyard/contracts';

/**
 * A gateway's graceful stop. Once draining, readiness is red, so load balancers stop sending.
 * For a short while (`acceptMs`, the time a balancer takes to notice) requests that still
 * arrive are served; after it they are refused with the dialect's 503 and `Retry-After` (a
 * client or balancer retries on another replica). The requests already running finish —
 * within the drain grace — before the process closes.
 */
@Injectable()
export class GatewayDrain {
  private readonly log = new Logger(GatewayDrain.name);
  private draining = false;
  private refusing = false;
  private running = 0;
  private onIdle: (() => void) | undefined;

  get isDraining(): boolean {
    return this.draining;
  }

  /** Counts a request in; once a drain refuses new work, refuses it instead. Pair with `leave`. */
  enter(): void {
    if (this.refusing)
      throw new SwitchyardError(
        'SY_SHUTTING_DOWN',
        'This gateway is shutting down; send the request again (another replica will take it).',
      );
    this.running++;
  }

  leave(): void {
    this.running--;
    if (this.running === 0) this.onIdle?.();
  }

  /**
   * Stops taking requests and waits for the running ones, at most `graceMs`. True when all
   * finished; false when the grace ran out first (they are cut when the server closes).
   */
  async drain(graceMs: number, acceptMs = 0): Promise<boolean> {
    this.draining = true;
    if (acceptMs > 0) await new Promise((resolve) => setTimeout(resolve, acceptMs));
    this.refusing = true;
    if (this.running === 0) return true;
    this.log.log(`draining: waiting up to ${graceMs} ms for ${this.running} running request(s)`);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      new Promise<true>((resolve) => (this.onIdle = () => resolve(true))),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    this.onIdle = undefined;
    if (!finished) this.log.warn(`drain grace ran out with ${this.running} request(s) running`);
    return finished;
  }
}
