import type { StreamFraming } from '../engine-adapter';
import { createNdjsonReader } from './ndjson-reader';
import type { RecordReader } from './record-reader';
import { createSseReader } from './sse-reader';

const RECORD_READERS = {
  sse: createSseReader,
  ndjson: createNdjsonReader,
} as const satisfies Record<StreamFraming, () => RecordReader>;

/** A fresh reader for one response body in the given framing. */
export function createRecordReader(framing: StreamFraming): RecordReader {
  return RECORD_READERS[framing]();
}
