import { Inject, Injectable, Logger } from '@nestjs/common';
import { ReservationStore } from '@switchyard/cluster';
import {
  SwitchyardError,
  errorMessage,
  promptText,
  type InferenceRequest,
  type NodeSnapshot,
} from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import {
  CircuitBreaker,
  DEFAULT_POLICY,
  HARD_FILTERS,
  createPlacer,
  place,
  requestPrefixHashes,
  type SwitchyardPlacer,
  type CandidateNode,
  type NodeOutcome,
  type PlacementDecision,
  type PlacementPolicy,
  type PlacementRequest,
  type Placer,
  type PrefixAffinityIndex,
} from '@switchyard/scheduling';

import { ClusterService } from '../cluster/cluster.service';
import { GATEWAY_CONFIG } from '../gateway.tokens';

/**
 * Where a request goes: a node that granted it a slot, or its model's shared queue. Carries
 * the placement facts (prompt prefix hashes, …) computed once for the request.
 */
export type Placement =
  | { kind: 'node'; nodeId: string; decision: PlacementDecision; request: PlacementRequest }
  | { kind: 'queue'; decision: PlacementDecision; request: PlacementRequest };

const NO_HASHES: readonly string[] = [];

/**
 * Which prefix hash of a long prompt stands in for a session key: hash 2 covers the first
 * 1,024 characters (see prefixHashes), about 250 tokens — a system prompt, not a greeting.
 */
const STICKY_PREFIX_HASH = 2;

/** Prompt characters placement hashes for prefix affinity: all that eight hashes cover. */
const PROMPT_CHARS_FOR_AFFINITY = 32_768;

/**
 * Places requests: filters and scores the in-memory cluster view (no Redis read), then claims
 * the chosen node's slot with one atomic reservation shared by every gateway replica, so
 * replicas acting on slightly stale views cannot overfill it. When no node has room the
 * request goes to its model's shared queue, where the first node to free a slot takes it.
 * The baselines (`round-robin`, `random`, for benchmarks) place directly, blind to load.
 */
@Injectable()
export class SchedulerService {
  private readonly log = new Logger(SchedulerService.name);
  private readonly placer: Placer;
  /** The switchyard placer's prefix memory; absent for the load-blind baselines. */
  private readonly prefixIndex: PrefixAffinityIndex | undefined;
  /** The policy `place()` runs for explanations and hard-filter fallbacks. */
  private readonly policy: PlacementPolicy;
  private readonly reservations: ReservationStore;
  private readonly breaker = new CircuitBreaker();
  /** Reservations per node as the last reservation round trip reported them. */
  private readonly held = new Map<string, number>();
  /** Reservations this replica made and has not released, per node (ahead of `held`). */
  private readonly mine = new Map<string, number>();

  constructor(
    private readonly cluster: ClusterService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.placer = createPlacer({ placement: config.placement });
    const switchyard =
      this.placer.strategy === 'switchyard' ? (this.placer as SwitchyardPlacer) : undefined;
    this.prefixIndex = switchyard?.prefixIndex;
    this.policy = switchyard?.policy ?? DEFAULT_POLICY;
    this.reservations = new ReservationStore(cluster.redis, cluster.keys);
  }

  get strategy(): Placer['strategy'] {
    return this.placer.strategy;
  }

  /**
   * Throws SY_MODEL_NOT_FOUND for a model no node serves, SY_NO_CAPACITY when none is ready,
   * SY_BAD_REQUEST when no node can do what the request asks (embeddings, selectors).
   */
  async place(
    req: InferenceRequest,
    excluded: ReadonlySet<string> = new Set(),
  ): Promise<Placement> {
    const request = placementRequest(req);
    const decision = this.decide(req, request, excluded);
    if (decision.outcome === 'no-node') throw this.noNode(req, excluded);
    // A request placed again after a node failed it must avoid that node, which a shared
    // queue cannot promise (any node serving the model pulls from it): it waits on the best
    // other node's own queue instead.
    if (excluded.size > 0 && decision.outcome === 'saturated')
      return this.direct(req, request, excluded);
    if (decision.outcome === 'saturated') return { kind: 'queue', decision, request };
    const nodeId = decision.chosen.snapshot.info.id;
    if (this.placer.strategy !== 'switchyard') {
      this.charge(nodeId, +1);
      return { kind: 'node', nodeId, decision, request };
    }
    // A node that probably caches the prompt's prefix may queue one request per slot rather
    // than lose it to the shared queue, where any node would recompute the prefix.
    if (await this.claim(req.id, decision.chosen, decision.claimLimit))
      return { kind: 'node', nodeId, decision, request };
    // The chosen node filled up behind this replica's view: decide again on fresh counts.
    const second = this.decide(req, request, excluded);
    if (second.outcome === 'placed' && (await this.claim(req.id, second.chosen)))
      return { kind: 'node', nodeId: second.chosen.snapshot.info.id, decision: second, request };
    if (excluded.size > 0) return this.direct(req, request, excluded);
    return { kind: 'queue', decision: second, request };
  }

  /** The best node by the hard constraints alone, reserved past its slots (it queues there). */
  private async direct(
    req: InferenceRequest,
    request: PlacementRequest,
    excluded: ReadonlySet<string>,
  ): Promise<Placement> {
    const decision = this.decide(req, request, excluded, { filters: HARD_FILTERS });
    if (decision.outcome !== 'placed') throw this.noNode(req, excluded);
    const nodeId = decision.chosen.snapshot.info.id;
    if (!(await this.claim(req.id, decision.chosen, Number.MAX_SAFE_INTEGER)))
      throw this.noNode(req, excluded);
    return { kind: 'node', nodeId, decision, request };
  }

  /**
   * A queued request ran on the node that took it, not on the one the placer first chose:
   * remember that node as holding its prefix, so the next request with it follows.
   */
  ranOn(placement: Placement, nodeId: string): void {
    const hashes = placement.request.prefixHashes ?? [];
    if (hashes.length > 0) this.prefixIndex?.record(hashes, nodeId, Date.now());
  }

  /** The request left the node (ended, failed or withdrawn). */
  release(nodeId: string, requestId: string): void {
    this.charge(nodeId, -1);
    if (this.placer.strategy !== 'switchyard') return;
    this.reservations
      .release(nodeId, requestId)
      .catch((err: unknown) =>
        this.log.warn(`could not release ${requestId} on ${nodeId}: ${errorMessage(err)}`),
      );
  }

  /** How a request ended on a node, for its circuit breaker (client errors never count). */
  outcome(nodeId: string, outcome: NodeOutcome): void {
    this.breaker.record(nodeId, outcome, Date.now());
  }

  /** The placement decision for a request, with explanations, without reserving anything. */
  explain(req: InferenceRequest): PlacementDecision {
    return this.decide(req, placementRequest(req), new Set(), { explain: true });
  }

  /**
   * One decision over the current view. With `pure` options (explanations, other filters)
   * it runs `place()` directly, leaving the placer's prefix memory as it was.
   */
  private decide(
    req: InferenceRequest,
    request: PlacementRequest,
    excluded: ReadonlySet<string>,
    pure?: { explain?: boolean; filters?: PlacementPolicy['filters'] },
  ): PlacementDecision {
    const now = Date.now();
    const candidates: CandidateNode[] = [];
    for (const snapshot of this.cluster.view.nodes()) {
      const id = snapshot.info.id;
      if (excluded.has(id) || !takesKind(snapshot, req)) continue;
      candidates.push({
        snapshot,
        localInFlight: Math.max(this.held.get(id) ?? 0, this.mine.get(id) ?? 0),
        circuitOpen: this.breaker.isOpen(id, now),
      });
    }
    if (!pure) return this.placer.place(candidates, request, now);
    return place(candidates, request, { ...this.policy, now, ...pure });
  }

  /** Claims a slot on the node in the cluster-wide reservations; false when it is full. */
  private async claim(
    requestId: string,
    node: CandidateNode,
    limit = node.snapshot.load.slotsTotal,
  ): Promise<boolean> {
    const nodeId = node.snapshot.info.id;
    let result;
    try {
      result = await this.reservations.reserve(requestId, [{ nodeId, limit }]);
    } catch (err) {
      throw new SwitchyardError(
        'SY_CLUSTER_UNAVAILABLE',
        'The cluster is unreachable right now; try again shortly.',
        { retryAfterSeconds: 1, cause: err },
      );
    }
    for (const [id, count] of result.held) this.held.set(id, count);
    if (result.nodeId === null) return false;
    this.charge(nodeId, +1);
    this.breaker.dispatched(nodeId, Date.now());
    return true;
  }

  private charge(nodeId: string, delta: number): void {
    const left = (this.mine.get(nodeId) ?? 0) + delta;
    if (left > 0) this.mine.set(nodeId, left);
    else this.mine.delete(nodeId);
    if (delta < 0) {
      const held = (this.held.get(nodeId) ?? 0) - 1;
      if (held > 0) this.held.set(nodeId, held);
      else this.held.delete(nodeId);
    }
  }

  private noNode(req: InferenceRequest, excluded: ReadonlySet<string>): SwitchyardError {
    const { model } = req;
    if (!this.cluster.view.knownModels().has(model)) {
      return new SwitchyardError(
        'SY_MODEL_NOT_FOUND',
        `The model '${model}' does not exist or is not served by any node.`,
        { param: 'model', model },
      );
    }
    const serving = this.cluster.view
      .nodes()
      .filter((n) => n.info.state === 'ready' && n.info.models.includes(model))
      .filter((n) => !excluded.has(n.info.id));
    if (serving.length > 0 && req.kind === 'embedding' && !serving.some((n) => n.info.embeddings)) {
      return new SwitchyardError(
        'SY_BAD_REQUEST',
        `The model '${model}' runs only on engines that do not compute embeddings.`,
        { param: 'model', model },
      );
    }
    if (serving.length > 0 && req.selectors !== undefined) {
      return new SwitchyardError(
        'SY_BAD_REQUEST',
        `No ready node serving '${model}' matches the selectors ${formatSelectors(req.selectors)}.`,
        { param: 'selectors', model },
      );
    }
    return new SwitchyardError(
      'SY_NO_CAPACITY',
      `No node serving '${model}' is ready; try again shortly.`,
      { retryAfterSeconds: 1, model },
    );
  }
}

function takesKind(node: NodeSnapshot, req: InferenceRequest): boolean {
  // Only engines with an embeddings call take embedding requests.
  return req.kind !== 'embedding' || node.info.embeddings === true;
}

function placementRequest(req: InferenceRequest): PlacementRequest {
  const text = promptText(req);
  const base = {
    model: req.model,
    modalities: req.modalities,
    promptText:
      text.length > PROMPT_CHARS_FOR_AFFINITY ? text.slice(0, PROMPT_CHARS_FOR_AFFINITY) : text,
  };
  // An embedding reuses no KV cache: no prefix affinity, no prefix standing in for a session.
  const hashes = req.kind === 'embedding' ? NO_HASHES : requestPrefixHashes(base);
  // Without a session, a long prompt's leading kilobyte stands in for one: prompts sharing a
  // system prompt then hash to the same node (bounded load still spreads a hot one), so the
  // fleet's caches split the prefixes between them instead of each node thrashing on all.
  const sticky = hashes[STICKY_PREFIX_HASH];
  const sessionKey = req.sessionKey ?? (sticky !== undefined ? `prefix:${sticky}` : undefined);
  return {
    ...base,
    prefixHashes: hashes,
    estimatedPromptTokens: Math.ceil(text.length / 4),
    priority: req.priority,
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    ...(req.selectors !== undefined ? { selectors: req.selectors } : {}),
    ...(req.kind !== 'embedding' && req.sampling.maxTokens !== undefined
      ? { maxTokens: req.sampling.maxTokens }
      : {}),
  };
}

function formatSelectors(selectors: Readonly<Record<string, string>>): string {
  return Object.entries(selectors)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
