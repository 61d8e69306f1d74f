import { createParser } from 'eventsource-parser';
import type { RecordReader } from './record-reader';

/**
 * SSE framing: each record is one event's `data` (multi-line data joined with `\n`).
 * Comments, `event:`/`id:`/`retry:` fields and CRLF line ends are handled by eventsource-parser.
 */
export function createSseReader(): RecordReader {
  let records: string[] = [];
  const parser = createParser({
    onEvent: (event) => {
      records.push(event.data);
    },
  });
  const take = (): string[] => {
    const out = records;
    records = [];
    return out;
  };
  return {
    push(chunk) {
      parser.feed(chunk);
      return take();
    },
    end() {
      // An event without its closing blank line was cut off: the SSE spec discards it.
      parser.reset();
      return take();
    },
  };
}
