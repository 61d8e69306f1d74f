/**
 * Stop strings the way llama.cpp applies them (`server-context.cpp` `process_token` and
 * `find_stopping_strings`): after each token the unsent tail is searched for a whole stop
 * string, which ends generation and is erased with everything after it; otherwise a tail that
 * could still grow into a stop string is withheld until the next token settles it. So no stop
 * text ever leaks, even when it spans tokens, and one send may carry several tokens' text.
 */
export class StopFilter {
  private text = '';
  private sent = 0;
  private word = '';

  constructor(private readonly stops: readonly string[]) {}

  /** Feeds one decoded token; returns the text that may be sent now ('' when withheld). */
  push(tokenText: string, endOfGeneration: boolean): string {
    const from = this.sent;
    this.text += tokenText;
    const tail = this.text.slice(from);
    const full = this.findFull(tail, tokenText.length);
    if (full !== undefined) {
      this.text = this.text.slice(0, from + full.at);
      this.word = full.word;
    } else if (!endOfGeneration && this.findPartial(tail) !== undefined) {
      return '';
    }
    const send = this.text.slice(from);
    this.sent = this.text.length;
    return send;
  }

  /** True once a stop string was found; generation must end. */
  get stopped(): boolean {
    return this.word !== '';
  }

  /** The stop string that ended generation, or ''. */
  get stoppingWord(): string {
    return this.word;
  }

  /** All generated text with the stop string and anything after it removed. */
  get content(): string {
    return this.text;
  }

  /** Text withheld as a possible stop-string start when generation ended for another reason. */
  get unsent(): string {
    return this.text.slice(this.sent);
  }

  private findFull(tail: string, tokenLength: number): { at: number; word: string } | undefined {
    let best: { at: number; word: string } | undefined;
    for (const word of this.stops) {
      if (word === '') continue;
      // Text before the new token was checked already; only look where a new match can be.
      const from = Math.max(0, tail.length - (word.length + tokenLength));
      const at = tail.indexOf(word, from);
      if (at >= 0 && (best === undefined || at < best.at)) best = { at, word };
    }
    return best;
  }

  /** Start of the longest tail suffix that is a prefix of some stop string. */
  private findPartial(tail: string): number | undefined {
    let best: number | undefined;
    for (const word of this.stops) {
      for (let len = Math.min(word.length, tail.length); len > 0; len--) {
        if (tail.endsWith(word.slice(0, len))) {
          const at = tail.length - len;
          if (best === undefined || at < best) best = at;
          break;
        }
      }
    }
    return best;
  }
}
