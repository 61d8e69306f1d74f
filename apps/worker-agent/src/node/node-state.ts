import type { NodeState } from '@switchyard/contracts';

/**
 * The node life cycle as a table of allowed moves. `ready ⇄ warming` follows engine health;
 * `cordoned` and `draining` are operator or shutdown decisions that health never undoes (the
 * agent does not probe readiness while they hold); uncordoning goes back through warming
 * (`release`, also out of a drain the operator asked for).
 */
const MOVES: Record<NodeState, readonly NodeState[]> = {
  joining: ['warming', 'ready', 'draining', 'gone'],
  warming: ['ready', 'cordoned', 'draining', 'gone'],
  ready: ['warming', 'cordoned', 'draining', 'gone'],
  cordoned: ['warming', 'draining', 'gone'],
  draining: ['gone'],
  gone: [],
};

/** States an operator or a shutdown put the node in: engine health does not move it out. */
export function isHeld(state: NodeState): boolean {
  return state === 'cordoned' || state === 'draining' || state === 'gone';
}

export class NodeStateMachine {
  private current: NodeState = 'joining';
  private why: string | undefined = 'starting';

  get state(): NodeState {
    return this.current;
  }

  get reason(): string | undefined {
    return this.why;
  }

  /**
   * The operator lifts a cordon or a drain: back to warming, which health never does. The
   * caller refuses this for a shutdown's drain.
   */
  release(reason: string): boolean {
    if (this.current !== 'cordoned' && this.current !== 'draining') return false;
    this.current = 'warming';
    this.why = reason;
    return true;
  }

  /** Moves if the table allows it; returns whether the state changed. */
  moveTo(next: NodeState, reason?: string): boolean {
    if (next === this.current) {
      this.why = reason;
      return false;
    }
    if (!MOVES[this.current].includes(next)) return false;
    this.current = next;
    this.why = reason;
    return true;
  }
}
