/**
 * What this gateway replica believes each node holds: the node's reservations as the last
 * dispatch round trip counted them (every replica's), and the requests this replica sent
 * there and has not seen end. Decisions read the larger of the two, so a burst does not
 * pile onto one node before its next heartbeat.
 */
export class NodeCharges {
  /** Reservations per node as the last dispatch reported them. */
  private readonly held = new Map<string, number>();
  /** Requests this replica placed on each node and has not released. */
  private readonly mine = new Map<string, number>();

  inFlight(nodeId: string): number {
    return Math.max(this.held.get(nodeId) ?? 0, this.mine.get(nodeId) ?? 0);
  }

  /** A dispatch round trip counted the node's live reservations. */
  observed(nodeId: string, held: number): void {
    this.held.set(nodeId, held);
  }

  charge(nodeId: string): void {
    this.mine.set(nodeId, (this.mine.get(nodeId) ?? 0) + 1);
  }

  /** One request left the node. */
  discharge(nodeId: string): void {
    decrement(this.mine, nodeId);
    decrement(this.held, nodeId);
  }
}

function decrement(counts: Map<string, number>, nodeId: string): void {
  const left = (counts.get(nodeId) ?? 0) - 1;
  if (left > 0) counts.set(nodeId, left);
  else counts.delete(nodeId);
}
