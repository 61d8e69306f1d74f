import { Injectable } from '@nestjs/common';
import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import {
  DEFAULT_POLICY,
  HARD_FILTERS,
  place,
  type CandidateNode,
  type PlacementDecision,
} from '@switchyard/scheduling';
import { ClusterService } from '../cluster/cluster.service';

/** A request's claim on one node, released when the request ends on that node. */
export interface Reservation {
  nodeId: string;
  decision: PlacementDecision;
}

/**
 * Places requests from the in-memory cluster view (no Redis round trip) and charges each
 * choice at once, so a burst spreads before the next heartbeat reports it.
 */
@Injectable()
export class SchedulerService {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly cluster: ClusterService) {}

  /** Throws SY_MODEL_NOT_FOUND for a model no node serves, SY_NO_CAPACITY when none is ready. */
  reserve(req: InferenceRequest, excluded: ReadonlySet<string> = new Set()): Reservation {
    const candidates: CandidateNode[] = [];
    for (const snapshot of this.cluster.view.nodes()) {
      if (excluded.has(snapshot.info.id)) continue;
      // Only engines with an embeddings call take embedding requests.
      if (req.kind === 'embedding' && snapshot.info.embeddings !== true) continue;
      candidates.push({ snapshot, localInFlight: this.inFlight.get(snapshot.info.id) ?? 0 });
    }
    const request = { model: req.model, modalities: req.modalities };
    const policy = { ...DEFAULT_POLICY, now: Date.now(), explain: false };
    let decision = place(candidates, request, policy);
    // No admission queue yet (ARCHITECTURE step 3): until there is one, a saturated fleet
    // still takes the request on its best node by the hard constraints, as before.
    if (decision.saturated)
      decision = place(candidates, request, { ...policy, filters: HARD_FILTERS });
    if (!decision.chosen) throw this.noNode(req.model);
    const nodeId = decision.chosen.snapshot.info.id;
    this.inFlight.set(nodeId, (this.inFlight.get(nodeId) ?? 0) + 1);
    return { nodeId, decision };
  }

  release(reservation: Reservation): void {
    const left = (this.inFlight.get(reservation.nodeId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(reservation.nodeId, left);
    else this.inFlight.delete(reservation.nodeId);
  }

  private noNode(model: string): SwitchyardError {
    if (!this.cluster.view.knownModels().has(model)) {
      return new SwitchyardError(
        'SY_MODEL_NOT_FOUND',
        `The model '${model}' does not exist or is not served by any node.`,
        { param: 'model', model },
      );
    }
    return new SwitchyardError(
      'SY_NO_CAPACITY',
      `No node serving '${model}' is ready; try again shortly.`,
      {
        retryAfterSeconds: 1,
      },
    );
  }
}
