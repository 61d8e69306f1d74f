import type { Logger } from '@nestjs/common';
import type { DispatchTicket, JobProducer } from '@switchyard/cluster';
import { errorMessage } from '@switchyard/contracts';
import type { NodeOutcome, PlacementRequest, Placer } from '@switchyard/scheduling';
import type { NodeCharges } from './node-charges';

/** Where a placement put the request: on one node, or in its model's shared queue. */
export type LeaseTarget = { kind: 'node'; nodeId: string } | { kind: 'queue'; model: string };

/** What a lease acts on; one set per gateway, shared by every lease. */
export interface LeaseDeps {
  placer: Placer;
  jobs: JobProducer;
  charges: NodeCharges;
  log: Logger;
  /** The request's outcome opened the node's circuit breaker (for its metric). */
  tripped(nodeId: string): void;
}

/**
 * One placement of one request, from the moment it was handed to a node or queue until it
 * left: the only owner of what placement remembers about it. It tells the placer when the
 * request started and how it ended (circuit breaker, prefix index), keeps this replica's
 * charges, takes the request back while no node has it, and releases the node's reservation
 * exactly once. Every method is idempotent, so the attempt can call them from any path.
 */
export class PlacementLease {
  private startedOn: string | undefined;
  private withdrawn = false;
  private finished = false;
  private released = false;

  constructor(
    readonly requestId: string,
    readonly target: LeaseTarget,
    private readonly request: PlacementRequest,
    private readonly deps: LeaseDeps,
    private readonly ticket?: DispatchTicket,
    /** The node had a free slot for it: it should start at once, not wait in its queue. */
    readonly expectsPromptStart = false,
  ) {
    if (target.kind === 'node') deps.charges.charge(target.nodeId);
  }

  /** The node the request runs on, or was handed to; unknown for a queued request not yet taken. */
  get nodeId(): string | undefined {
    return this.startedOn ?? (this.target.kind === 'node' ? this.target.nodeId : undefined);
  }

  get started(): boolean {
    return this.startedOn !== undefined;
  }

  /** The node started the request (for a queued one: the node that took it). */
  start(nodeId: string): void {
    if (this.startedOn !== undefined) return;
    this.startedOn = nodeId;
    this.deps.placer.onStarted?.(nodeId, this.request, Date.now());
  }

  /** How the request ended on its node, as the node's record should count it. */
  finish(outcome: NodeOutcome): void {
    const nodeId = this.nodeId;
    if (this.finished || nodeId === undefined) return;
    this.finished = true;
    const { placer } = this.deps;
    const now = Date.now();
    const wasOpen = placer.circuitOpen?.(nodeId, now) ?? false;
    placer.onFinished?.(nodeId, outcome, now);
    if (!wasOpen && placer.circuitOpen?.(nodeId, now)) this.deps.tripped(nodeId);
  }

  /**
   * Takes the request back while no node has taken it: true when it was still waiting (it
   * will never run), false when a node holds it (cancel it there).
   */
  async withdraw(): Promise<boolean> {
    if (this.withdrawn) return true;
    if (this.started) return false;
    const { jobs } = this.deps;
    this.withdrawn =
      this.ticket !== undefined
        ? await jobs.withdraw(this.ticket)
        : this.target.kind === 'queue' &&
          (await jobs.removeShared(this.target.model, this.requestId));
    return this.withdrawn;
  }

  /**
   * The request left its node (ended, failed, or withdrawn): the node's slot is free again
   * for every replica. A queued request's node holds and releases its own reservation, and a
   * withdrawn direct job took its reservation with it (the withdraw script).
   */
  release(): void {
    if (this.released || this.target.kind !== 'node') return;
    this.released = true;
    const { nodeId } = this.target;
    this.deps.charges.discharge(nodeId);
    if (this.withdrawn) return;
    this.deps.jobs
      .release(nodeId, this.requestId)
      .catch((err: unknown) =>
        this.deps.log.warn(
          `could not release ${this.requestId} on ${nodeId}: ${errorMessage(err)}`,
        ),
      );
  }
}
