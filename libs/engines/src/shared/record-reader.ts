/**
 * Splits a streamed response body into framed records. Fed text already decoded from
 * UTF-8 in streaming mode; chunks may end anywhere, including inside a record or a line.
 */
export interface RecordReader {
  /** Records completed by this chunk, in order. */
  push(chunk: string): string[];
  /** The body ended: records still buffered that the framing counts as complete. */
  end(): string[];
}
