/**
 * Removes a matched stop sequence from streamed text, for engines that keep it in their output
 * (TGI checks `<stop>$` against the decoded text and leaves the match in the tokens it sends).
 * The canonical contract says returned text never contains a stop string, so text that could be
 * the start of one is held back until the next token rules it out or the stream ends.
 */
export interface StopTrimmer {
  /** Adds generated text; returns the part that can no longer belong to a stop sequence. */
  push(text: string): string;
  /**
   * Releases the held text. With `trim`, a stop sequence the output ends with is cut off
   * (the longest one when several match) and reported.
   */
  flush(trim: boolean): { text: string; stopSequence?: string };
}

export function createStopTrimmer(stops: readonly string[]): StopTrimmer {
  const candidates = stops.filter((s) => s !== '');
  let held = '';
  return {
    push(text) {
      if (candidates.length === 0) return text;
      held += text;
      const keep = longestStopPrefixSuffix(held, candidates);
      const ready = held.slice(0, held.length - keep);
      held = held.slice(held.length - keep);
      return ready;
    },
    flush(trim) {
      const text = held;
      held = '';
      if (!trim) return { text };
      const match = candidates
        .filter((s) => text.endsWith(s))
        .reduce<string | undefined>(
          (a, s) => (a === undefined || s.length > a.length ? s : a),
          undefined,
        );
      return match === undefined
        ? { text }
        : { text: text.slice(0, text.length - match.length), stopSequence: match };
    },
  };
}

/** Length of the longest suffix of `text` that is a prefix of (or equal to) some stop. */
function longestStopPrefixSuffix(text: string, stops: readonly string[]): number {
  const longest = Math.min(text.length, Math.max(...stops.map((s) => s.length)));
  for (let length = longest; length > 0; length--) {
    const suffix = text.slice(text.length - length);
    if (stops.some((s) => s.startsWith(suffix))) return length;
  }
  return 0;
}
