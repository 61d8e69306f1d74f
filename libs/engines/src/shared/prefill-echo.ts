import type { StreamEvent } from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';

/**
 * For engines that stream a prefilled assistant message back before what they add to it
 * (llama.cpp does): drops that echo from the start of choice 0's text, so the stream carries
 * only the continuation. Text is held back only until it is known whether it starts with the
 * echo; text that does not is passed on whole.
 */
export function withoutPrefillEcho(parser: EngineStreamParser, echo: string): EngineStreamParser {
  let held = '';
  let settled = echo === '';
  const strip = (events: StreamEvent[], ending: boolean): StreamEvent[] => {
    if (settled) return events;
    const out: StreamEvent[] = [];
    for (const e of events) {
      if (settled || e.type !== 'delta' || e.index !== 0 || e.text === undefined) {
        out.push(e);
        continue;
      }
      held += e.text;
      if (held.length < echo.length && echo.startsWith(held) && !ending) continue;
      settled = true;
      const text = held.startsWith(echo) ? held.slice(echo.length) : held;
      if (text !== '') out.push({ ...e, text });
    }
    // The stream ended while still matching: what was held is all there was.
    if (ending && !settled && held !== '') {
      settled = true;
      if (!held.startsWith(echo)) out.unshift({ type: 'delta', index: 0, text: held });
    }
    return out;
  };
  return {
    push: (record) => strip(parser.push(record), false),
    end: () => strip(parser.end(), true),
  };
}
