import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterViewStore, JobProducer, TenantTurns } from '@switchyard/cluster';
import {
  SwitchyardError,
  type ErrorCode,
  type InferenceJob,
  type InferenceRequest,
} from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import {
  DEFAULT_POLICY,
  HARD_FILTERS,
  createPlacer,
  lacksFor,
  missingCapability,
  place,
  type CandidateNode,
  type CircuitState,
  type FilterName,
  type PlacedDecision,
  type PlacementDecision,
  type PlacementPolicy,
  type PlacementRequest,
  type Placer,
  type SwitchyardPlacer,
} from '@switchyard/scheduling';
import { MetricLabels, type GatewayMetrics } from '../../gateway-metrics';
import { GATEWAY_CONFIG, GATEWAY_METRICS_SET } from '../../gateway.tokens';
import { queuePriority } from '../admission-policy';
import { NodeCharges } from './node-charges';
import { PlacementLease, type LeaseDeps } from './placement-lease';
import { refusal } from './refusals';

/** A refused placement's `outcome` label; any other refusal is the filters' (`no_node`). */
const REFUSAL_OUTCOMES: Partial<Record<ErrorCode, 'rejected' | 'error'>> = {
  SY_OVERLOADED: 'rejected',
  SY_CLUSTER_UNAVAILABLE: 'error',
};

type DecideOptions = { explain?: boolean; filters?: PlacementPolicy['filters'] };

/**
 * Places requests: filters and scores the in-memory cluster view (no Redis read), then hands
 * the job to the chosen node with one atomic script that claims one of its slots in the
 * reservations every replica shares, so replicas acting on slightly stale views cannot
 * overfill it. When no node has room the job goes to its model's shared queue, where the
 * first node to free a slot takes it. What follows belongs to the returned lease.
 */
@Injectable()
export class PlacementService {
  private readonly log = new Logger(PlacementService.name);
  readonly placer: Placer;
  /** The policy pure decisions (explanations, the hard-filter fallback) run with. */
  private readonly policy: PlacementPolicy;
  private readonly charges = new NodeCharges();
  private readonly deps: LeaseDeps;

  constructor(
    private readonly view: ClusterViewStore,
    private readonly jobs: JobProducer,
    private readonly turns: TenantTurns,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_METRICS_SET) private readonly metrics: GatewayMetrics,
    private readonly labels: MetricLabels,
  ) {
    this.placer = createPlacer({ placement: config.placement });
    this.policy =
      this.placer.strategy === 'switchyard'
        ? (this.placer as SwitchyardPlacer).policy
        : DEFAULT_POLICY;
    this.deps = {
      placer: this.placer,
      jobs,
      charges: this.charges,
      log: this.log,
      tripped: (node) => metrics.switchyard_circuit_breaker_trips_total.inc({ node }),
    };
  }

  /**
   * Hands the job to a node, or to its model's shared queue when every node is full. Throws
   * the filters' refusal when no node can take the request (unknown model → 404, none ready
   * → 503, selectors or embeddings → 400), SY_OVERLOADED when the shared queue is full and
   * SY_CLUSTER_UNAVAILABLE when Redis does not answer.
   */
  async place(
    req: InferenceRequest,
    request: PlacementRequest,
    job: InferenceJob,
    excluded: ReadonlySet<string>,
  ): Promise<PlacementLease> {
    const model = this.labels.model(req.model);
    try {
      const lease = await this.placeOnce(req, request, job, excluded);
      const outcome = lease.target.kind === 'queue' ? 'queued' : 'placed';
      this.metrics.switchyard_scheduling_decisions_total.inc({ model, outcome });
      return lease;
    } catch (err) {
      const outcome =
        err instanceof SwitchyardError ? (REFUSAL_OUTCOMES[err.code] ?? 'no_node') : 'error';
      this.metrics.switchyard_scheduling_decisions_total.inc({ model, outcome });
      throw err;
    }
  }

  private async placeOnce(
    req: InferenceRequest,
    request: PlacementRequest,
    job: InferenceJob,
    excluded: ReadonlySet<string>,
  ): Promise<PlacementLease> {
    const startedAt = performance.now();
    const decision = this.decide(req, request, excluded);
    this.metrics.switchyard_scheduling_decision_duration_seconds.observe(
      (performance.now() - startedAt) / 1000,
    );
    if (decision.outcome === 'no-node') throw this.refuse(req, decision.refusedBy, request);
    if (decision.outcome === 'placed') {
      // Baselines place blind: the node's queue holds what its slots cannot.
      const blind = this.placer.strategy !== 'switchyard';
      const limit = blind ? Number.POSITIVE_INFINITY : decision.claimLimit;
      const lease = await this.dispatch(decision, limit, req, request, job);
      if (lease) return lease;
      // The node filled up behind this replica's view: decide again on the counts it got back.
      const second = this.decide(req, request, excluded);
      const slots = second.chosen?.snapshot.load.slotsTotal ?? 0;
      const retry =
        second.outcome === 'placed' && (await this.dispatch(second, slots, req, request, job));
      if (retry) return retry;
    }
    // A request placed again after a node failed it must avoid that node, which a shared
    // queue cannot promise: it waits on the best other node's own queue instead. So does one
    // that some node of the model cannot serve (embeddings, tools): every node pulls the queue.
    return excluded.size > 0 || this.someNodeLacks(req, request)
      ? this.direct(req, request, job, excluded)
      : this.queue(req, request, job);
  }

  /** The node's circuit breaker state on this replica; undefined for the load-blind baselines. */
  circuitState(nodeId: string): CircuitState | undefined {
    return this.placer.strategy === 'switchyard'
      ? (this.placer as SwitchyardPlacer).breaker.state(nodeId, Date.now())
      : undefined;
  }

  /** The placement decision for a request, with explanations, without reserving anything. */
  explain(req: InferenceRequest, request: PlacementRequest): PlacementDecision {
    return this.decide(req, request, new Set(), { explain: true });
  }

  /**
   * One decision over the current view. With options (explanations, other filters) it runs
   * `place()` directly, leaving the placer's memory as it was.
   */
  private decide(
    req: InferenceRequest,
    request: PlacementRequest,
    excluded: ReadonlySet<string>,
    pure?: DecideOptions,
  ): PlacementDecision {
    const now = Date.now();
    const candidates: CandidateNode[] = [];
    for (const snapshot of this.view.nodes()) {
      const id = snapshot.info.id;
      if (excluded.has(id)) continue;
      candidates.push({
        snapshot,
        localInFlight: this.charges.inFlight(id),
        circuitOpen: this.placer.circuitOpen?.(id, now) ?? false,
      });
    }
    if (!pure) return this.placer.place(candidates, request, now);
    return place(candidates, request, { ...this.policy, now, ...pure });
  }

  /** Claims one of the node's `limit` slots and hands it the job; null when it is full. */
  private async dispatch(
    decision: PlacedDecision,
    limit: number,
    req: InferenceRequest,
    request: PlacementRequest,
    job: InferenceJob,
  ): Promise<PlacementLease | null> {
    const nodeId = decision.chosen.snapshot.info.id;
    const result = await inRedis(
      this.jobs.dispatch(nodeId, job, limit, { priority: req.priority }),
    );
    this.charges.observed(nodeId, result.held);
    if (!result.granted) return null;
    this.placer.onPlaced?.(nodeId, request, Date.now());
    this.metrics.switchyard_placements_total.inc({ node: nodeId });
    const prompt = result.held <= decision.chosen.snapshot.load.slotsTotal;
    const target = { kind: 'node', nodeId } as const;
    return new PlacementLease(req.id, target, request, this.deps, result.ticket, prompt);
  }

  /** The best node by the hard constraints alone, given the job past its slots (it queues there). */
  private async direct(
    req: InferenceRequest,
    request: PlacementRequest,
    job: InferenceJob,
    excluded: ReadonlySet<string>,
  ): Promise<PlacementLease> {
    const decision = this.decide(req, request, excluded, { filters: HARD_FILTERS });
    if (decision.outcome === 'no-node') throw this.refuse(req, decision.refusedBy, request);
    const lease =
      decision.outcome === 'placed' &&
      (await this.dispatch(decision, Number.POSITIVE_INFINITY, req, request, job));
    if (!lease) throw this.refuse(req, 'not-saturated', request);
    return lease;
  }

  /**
   * Puts the job on its model's shared queue, unless the queue is at its bound: then it is
   * refused at once (429 with Retry-After) rather than left to wait out its deadline. Within
   * a priority class, tenants take turns.
   */
  private async queue(
    req: InferenceRequest,
    request: PlacementRequest,
    job: InferenceJob,
  ): Promise<PlacementLease> {
    const depth = await inRedis(this.jobs.sharedDepth(req.model));
    if (depth >= this.config.maxQueuedPerModel) {
      this.metrics.switchyard_admission_rejections_total.inc({ reason: 'queue_full' });
      throw new SwitchyardError(
        'SY_OVERLOADED',
        `Too many requests are waiting for '${req.model}' (${depth}); try again shortly.`,
        { retryAfterSeconds: 2, model: req.model },
      );
    }
    const turn = await inRedis(this.turns.next(req.model, req.priority, req.tenant ?? 'anonymous'));
    await inRedis(
      this.jobs.enqueueShared(
        req.model,
        { ...job, shared: true },
        { priority: queuePriority(req.priority, turn) },
      ),
    );
    return new PlacementLease(req.id, { kind: 'queue', model: req.model }, request, this.deps);
  }

  private someNodeLacks(req: InferenceRequest, request: PlacementRequest): boolean {
    return this.view
      .nodes()
      .some((n) => n.info.models.includes(req.model) && lacksFor(n.info, request) !== null);
  }

  private refuse(
    req: InferenceRequest,
    refusedBy: FilterName | null,
    request: PlacementRequest,
  ): SwitchyardError {
    this.metrics.switchyard_scheduling_refusals_total.inc({
      model: this.labels.model(req.model),
      filter: refusedBy ?? 'none',
    });
    const missing =
      refusedBy === 'capabilities'
        ? this.view
            .nodes()
            .filter((n) => n.info.models.includes(req.model))
            .map((n) => missingCapability(n.info.capabilities, request))
            .find((m) => m !== null)
        : undefined;
    return refusal(refusedBy, req, {
      knownModel: this.view.knownModels().has(req.model),
      ...(missing != null ? { missing } : {}),
    });
  }
}

/** A Redis call on the placement path; its failure is the cluster's, not a bug here. */
async function inRedis<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw new SwitchyardError(
      'SY_CLUSTER_UNAVAILABLE',
      'The cluster is unreachable right now; try again shortly.',
      { cause: err },
    );
  }
}
