import type {
  FinishReason,
  StreamEvent,
  TokenLogprob,
  ToolCall,
  UsageEvent,
} from '@switchyard/contracts';

/** One choice of a non-streamed response, assembled from its stream events. */
export interface CollectedChoice {
  index: number;
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  logprobs: TokenLogprob[] | null;
  finishReason: FinishReason | null;
  stopSequence?: string;
}

/**
 * When the collector saw the request's milestones, in monotonic nanoseconds, for dialects
 * that report durations on whole responses (Ollama's `prompt_eval_duration`, `eval_duration`).
 */
export interface CollectedTimings {
  /** When the collector was created: the request was about to be placed. */
  startNs: bigint;
  /** The node's `start` event: a node took the request. */
  startedNs?: bigint;
  /** The first delta or embedding vector. */
  firstOutputNs?: bigint;
  /** The terminal `done` event. */
  doneNs?: bigint;
}

export interface CollectedResult {
  choices: CollectedChoice[];
  /** Embedding vectors by input position (embedding requests only). */
  embeddings: number[][];
  usage: UsageEvent | null;
  /** Set by ResultCollector; absent on results built by hand. */
  timings?: CollectedTimings;
}

/**
 * Folds a request's stream events into a whole response, so non-streaming clients are
 * served by the same engine stream as streaming ones.
 */
export class ResultCollector {
  private readonly choices = new Map<number, CollectedChoice>();
  private usage: UsageEvent | null = null;
  private readonly embeddings: number[][] = [];
  private readonly timings: CollectedTimings;

  constructor(
    n: number,
    private readonly monoNs: () => bigint = () => process.hrtime.bigint(),
  ) {
    for (let i = 0; i < n; i++) this.choice(i);
    this.timings = { startNs: monoNs() };
  }

  add(e: StreamEvent): void {
    if (e.type === 'delta' || e.type === 'embedding') this.timings.firstOutputNs ??= this.monoNs();
    switch (e.type) {
      case 'delta': {
        const c = this.choice(e.index);
        if (e.text) c.text += e.text;
        if (e.reasoning) c.reasoning += e.reasoning;
        if (e.logprobs) c.logprobs = [...(c.logprobs ?? []), ...e.logprobs];
        for (const d of e.toolCalls ?? []) {
          const call = (c.toolCalls[d.index] ??= { id: '', name: '', arguments: '' });
          if (d.id) call.id = d.id;
          if (d.name) call.name += d.name;
          if (d.arguments) call.arguments += d.arguments;
        }
        return;
      }
      case 'embedding':
        this.embeddings[e.index] = e.vector;
        return;
      case 'usage':
        this.usage = e;
        return;
      case 'done':
        this.timings.doneNs = this.monoNs();
        for (const f of e.choices) {
          const c = this.choice(f.index);
          c.finishReason = f.finishReason;
          if (f.stopSequence !== undefined) c.stopSequence = f.stopSequence;
        }
        return;
      case 'start':
        this.timings.startedNs ??= this.monoNs();
        return;
      case 'error':
        return;
    }
  }

  result(): CollectedResult {
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    return {
      choices,
      embeddings: this.embeddings,
      usage: this.usage,
      timings: { ...this.timings },
    };
  }

  private choice(index: number): CollectedChoice {
    let c = this.choices.get(index);
    if (!c) {
      c = { index, text: '', reasoning: '', toolCalls: [], logprobs: null, finishReason: null };
      this.choices.set(index, c);
    }
    return c;
  }
}
