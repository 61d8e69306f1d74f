import type { GenerationRequest, StreamEvent } from '@switchyard/contracts';
import type { EngineAdapter, RecordReader, StreamFraming } from '@switchyard/engines';

/**
 * What the harness needs from an engine: its framing and parser (from the adapter) and the
 * record reader for that framing. Passed in, so this lib holds no runtime import of engines.
 */
export interface StreamUnderTest {
  adapter: Pick<EngineAdapter, 'streamFraming' | 'createStreamParser'>;
  createRecordReader(framing: StreamFraming): RecordReader;
}

/** Pieces through a streaming UTF-8 decoder, the adapter's record reader and its parser. */
function parsePieces(
  engine: StreamUnderTest,
  req: GenerationRequest,
  pieces: Iterable<Uint8Array>,
): StreamEvent[] {
  const decoder = new TextDecoder('utf-8');
  const reader = engine.createRecordReader(engine.adapter.streamFraming);
  const parser = engine.adapter.createStreamParser(req);
  const events: StreamEvent[] = [];
  const feed = (records: string[]): void => records.forEach((r) => events.push(...parser.push(r)));
  for (const piece of pieces) feed(reader.push(decoder.decode(piece, { stream: true })));
  feed(reader.push(decoder.decode()));
  feed(reader.end());
  events.push(...parser.end());
  return events;
}

function* inChunks(bytes: Uint8Array, chunkSize: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

function* atCuts(bytes: Uint8Array, cuts: readonly number[]): Generator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(from, cut);
    from = cut;
  }
}

/** Raw bytes fed in `chunkSize`-byte pieces (`Infinity`: one piece) through the whole stream path. */
export function parseStreamInChunks(
  engine: StreamUnderTest,
  req: GenerationRequest,
  bytes: Uint8Array,
  chunkSize: number,
): StreamEvent[] {
  return parsePieces(engine, req, inChunks(bytes, chunkSize));
}

/** Raw bytes cut at the given offsets (ascending), then fed through the whole stream path. */
export function parseStreamAtCuts(
  engine: StreamUnderTest,
  req: GenerationRequest,
  bytes: Uint8Array,
  cuts: readonly number[],
): StreamEvent[] {
  return parsePieces(engine, req, atCuts(bytes, cuts));
}
