import type { ServerResponse } from 'node:http';
import { type HeaderList, writeHead } from './http-head';
import { dumpJson, type JsonValue } from './json-writer';

/**
 * A 200 response of unknown length. The status line and headers go out with the first write
 * (or the end), so a failure before any output can still be a plain HTTP error. Each engine
 * supplies its own head; it is built when the response opens (some carry a `Date`).
 */
export class ChunkedStream {
  private opened = false;

  constructor(
    protected readonly res: ServerResponse,
    private readonly head: () => HeaderList,
  ) {}

  get started(): boolean {
    return this.opened;
  }

  write(text: string): void {
    this.put(text);
  }

  end(): void {
    this.open();
    if (!this.res.destroyed) this.res.end();
  }

  /** Writes raw text; false when the response can no longer take it. */
  protected put(text: string): boolean {
    this.open();
    // The client may have gone between two timer ticks; cancellation follows on 'close'.
    if (!this.writable()) return false;
    this.res.write(text);
    return true;
  }

  protected writable(): boolean {
    return !this.res.destroyed;
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    writeHead(this.res, 200, this.head());
  }
}

/** How one engine frames the JSON records of a stream. */
export interface RecordFormat<J, E> {
  /** One record on the wire. */
  readonly frame: (json: J) => string;
  /** The end marker of routes that have one. */
  readonly done?: string;
  /** The in-band error record a failure after output becomes. */
  readonly errorRecord: (error: E) => J;
}

/** One SSE `data: ` event, as llama.cpp, MindIE and vLLM write them. */
export const sseRecord = (json: JsonValue): string => `data: ${dumpJson(json)}\n\n`;

/** The OpenAI end marker in that framing. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** A stream of JSON records in one engine's framing. */
export class RecordStream<J, E> extends ChunkedStream {
  constructor(
    res: ServerResponse,
    head: () => HeaderList,
    private readonly format: RecordFormat<J, E>,
  ) {
    super(res, head);
  }

  send(json: J): void {
    this.write(this.format.frame(json));
  }

  /** The route's end marker. */
  sendDone(): void {
    if (this.format.done !== undefined) this.write(this.format.done);
  }

  /** An in-band error record; the stream then ends without an end marker. */
  fail(error: E): void {
    this.send(this.format.errorRecord(error));
    this.end();
  }
}
