import type { Modality, NodeSnapshot } from '@switchyard/contracts';

/**
 * What placement sees of one node: the registry snapshot plus this gateway's own
 * reservations on it that the snapshot cannot know about yet.
 */
export interface CandidateNode {
  snapshot: NodeSnapshot;
  /** Requests this gateway placed on the node that have not ended yet. */
  localInFlight: number;
  /** This gateway's circuit breaker refuses the node for now (see CircuitBreaker.isOpen). */
  circuitOpen?: boolean;
}

/** The placement-relevant facts of one request. */
export interface PlacementRequest {
  model: string;
  modalities: readonly Modality[];
  /**
   * Hashes of the prompt's leading fixed-size blocks (see `prefixHashes`), for prefix
   * affinity. When absent but `promptText` is given, placement computes them.
   */
  prefixHashes?: readonly string[];
  /** The prompt as the engine will see it, or its leading part; only read when hashing. */
  promptText?: string;
  /** Session affinity key (a header or the API user). */
  sessionKey?: string;
  /** Label equality constraints: every key must be a node label with exactly this value. */
  selectors?: Readonly<Record<string, string>>;
  /** Prompt size when the caller knows it; otherwise estimated from `promptText`. */
  estimatedPromptTokens?: number;
  /** The client's output limit. */
  maxTokens?: number;
  /** Higher runs first; placement carries it for admission, no scorer reads it today. */
  priority?: number;
  /** An embedding request: only nodes whose engine computes embeddings take it. */
  embedding?: boolean;
  /** A resumed chat: only nodes whose engine continues an assistant message take it. */
  continuation?: boolean;
  /** The request carries tools: only nodes whose engine serves tool calling take it. */
  tools?: boolean;
  /** Choices asked for (n); above 1 only nodes that generate several take it. */
  choices?: number;
  /**
   * A lower bound of the prompt's tokens (every token covers at most a few characters): held
   * against a node's context, so a node is never refused for a prompt that might fit.
   */
  minPromptTokens?: number;
}

export function nodeId(c: CandidateNode): string {
  return c.snapshot.info.id;
}

/**
 * Work the node has taken or will take: the larger of what it reported and what this
 * gateway alone has in flight there (the report lags by up to one heartbeat).
 */
export function committedWork(c: CandidateNode): number {
  const { load } = c.snapshot;
  const reported = load.running + load.waiting;
  return reported > c.localInFlight ? reported : c.localInFlight;
}

export function freeSlots(c: CandidateNode): number {
  return c.snapshot.load.slotsTotal - committedWork(c);
}

/** Requests queued behind the node's slots: reported waiting, or our own overflow if larger. */
export function queuedWork(c: CandidateNode): number {
  const { load } = c.snapshot;
  const overflow = committedWork(c) - load.slotsTotal;
  return overflow > load.waiting ? overflow : load.waiting;
}

/**
 * Measured generation speed of one slot, tokens/s (NodeLoad.decodeTokensPerSecond), or null
 * before the node has generated. A speed, not the node's throughput: throughput measures how
 * much work the node was given, so a node placement had left idle would look slow and stay
 * idle.
 */
export function slotRate(c: CandidateNode): number | null {
  const r = c.snapshot.load.decodeTokensPerSecond;
  return r != null && r > 0 ? r : null;
}

/** Measured prompt processing speed, tokens/s (NodeLoad.prefillTokensPerSecond), or null. */
export function promptRate(c: CandidateNode): number | null {
  const p = c.snapshot.load.prefillTokensPerSecond;
  return p != null && p > 0 ? p : null;
}
