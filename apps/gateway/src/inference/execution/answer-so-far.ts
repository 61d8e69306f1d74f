import type { DeltaEvent, InferenceRequest, StreamEvent, UsageEvent } from '@switchyard/contracts';

/**
 * What the client has been sent of one answer, so that another node can carry it on when the
 * node serving it fails mid-answer (resume): the text of its one choice and how many deltas
 * brought it (engines stream about one token per delta, so this counts tokens).
 *
 * Some answers cannot be carried on faithfully, and end with an error frame as before:
 * embeddings (no text), several choices (`n` > 1), logprobs (the continuation's would not be
 * the original's), structured output (a constrained decoder cannot start mid-document),
 * reasoning text and tool calls once any of them was sent (the engine would open a new
 * reasoning block or call; half a call's arguments cannot be continued).
 */
export class AnswerSoFar {
  private text = '';
  private tokens = 0;
  /** Tokens sent before the attempt now running began (what its usage lacks). */
  private carried = 0;
  private obstacle: string | undefined;
  private sent = false;

  constructor(private readonly req: InferenceRequest) {
    this.obstacle = obstacleOf(req);
  }

  /** Whether any delta reached the client: a failure now needs a resume, not a failover. */
  get started(): boolean {
    return this.sent;
  }

  record(e: DeltaEvent): void {
    this.sent = true;
    if (e.index !== 0) this.obstacle ??= 'several choices were being sent';
    else if (e.toolCalls !== undefined) this.obstacle ??= 'a tool call was being sent';
    else if (e.reasoning !== undefined) this.obstacle ??= 'reasoning text was being sent';
    if (e.text === undefined || e.text === '') return;
    this.text += e.text;
    this.tokens++;
  }

  /** Why this answer cannot be carried on elsewhere; undefined when it can. */
  get cannotResume(): string | undefined {
    return this.obstacle;
  }

  /** Output tokens the client may still get; undefined when the request set no limit. */
  get remainingTokens(): number | undefined {
    const max = this.req.kind === 'embedding' ? undefined : this.req.sampling.maxTokens;
    return max === undefined ? undefined : Math.max(0, max - this.tokens);
  }

  /**
   * The request that asks another engine for the rest: a chat gets the text so far as a final
   * assistant message to continue, a completion gets it appended to the prompt; either may
   * generate only what is left of its token limit. Call only when `cannotResume` is undefined.
   */
  continuation(id: string): InferenceRequest {
    const req = this.req;
    if (req.kind === 'embedding') throw new Error('an embedding request cannot be continued');
    this.carried = this.tokens;
    const sampling = { ...req.sampling, maxTokens: this.remainingTokens };
    if (req.kind === 'completion') return { ...req, id, sampling, prompt: req.prompt + this.text };
    return {
      ...req,
      id,
      sampling,
      messages: [...req.messages, { role: 'assistant', content: this.text }],
      continueFinalMessage: true,
    };
  }

  /**
   * The answer's usage from a resumed attempt's: the continuation's prompt held the text
   * already sent, which the client paid for as output, not as prompt.
   */
  usage(e: UsageEvent): UsageEvent {
    if (this.carried === 0) return e;
    return {
      ...e,
      promptTokens: Math.max(0, e.promptTokens - this.carried),
      completionTokens: e.completionTokens + this.carried,
    };
  }

  /** The end of an answer whose token limit was used up when its node failed. */
  finishedAtLimit(): StreamEvent[] {
    return [{ type: 'done', choices: [{ index: 0, finishReason: 'length' }] }];
  }
}

function obstacleOf(req: InferenceRequest): string | undefined {
  if (req.kind === 'embedding') return 'an embedding is not text';
  if (req.sampling.n > 1) return 'several choices were requested';
  if (req.sampling.logprobs !== undefined) return 'logprobs were requested';
  const format = req.sampling.responseFormat?.type;
  if (format !== undefined && format !== 'text') return 'structured output was requested';
  return undefined;
}
