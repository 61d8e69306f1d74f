import { isErrorCode } from './errors';
import type { StreamEvent, StreamEventType } from './stream-event';

/**
 * The wire format of the reply channel: events tagged with the request id and a per-request
 * sequence number so the gateway can relay in order and detect gaps. One channel message is
 * one event (`{r,s,e}`) or a batch of them (a JSON array): a worker coalesces the events of
 * all its requests for one gateway while its previous publish is in flight.
 */
export interface RelayMessage {
  requestId: string;
  seq: number;
  event: StreamEvent;
}

interface WireMessage {
  r: string;
  s: number;
  e: StreamEvent;
}

const EVENT_TYPES: Record<StreamEventType, true> = {
  start: true,
  delta: true,
  embedding: true,
  usage: true,
  done: true,
  error: true,
};

export function encodeRelay(msg: RelayMessage): string {
  const wire: WireMessage = { r: msg.requestId, s: msg.seq, e: msg.event };
  return JSON.stringify(wire);
}

/** One channel message carrying several events (of one or many requests), in order. */
export function encodeRelayBatch(msgs: readonly RelayMessage[]): string {
  return JSON.stringify(msgs.map((m): WireMessage => ({ r: m.requestId, s: m.seq, e: m.event })));
}

export class RelayDecodeError extends Error {
  override readonly name = 'RelayDecodeError';
}

/** Parses one reply-channel message; throws RelayDecodeError on anything malformed. */
export function decodeRelay(raw: string | Buffer): RelayMessage {
  return toRelayMessage(parseJson(raw));
}

/**
 * Parses a reply-channel message that may be a batch. Malformed entries of a batch are
 * counted, not fatal to the others; a message that is not JSON at all counts as one.
 */
export function decodeRelays(raw: string | Buffer): {
  messages: RelayMessage[];
  malformed: number;
} {
  let parsed: unknown;
  try {
    parsed = parseJson(raw);
  } catch {
    return { messages: [], malformed: 1 };
  }
  const entries = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const messages: RelayMessage[] = [];
  let malformed = 0;
  for (const entry of entries) {
    try {
      messages.push(toRelayMessage(entry));
    } catch {
      malformed++;
    }
  }
  return { messages, malformed };
}

function parseJson(raw: string | Buffer): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new RelayDecodeError('relay message is not JSON');
  }
}

function toRelayMessage(parsed: unknown): RelayMessage {
  if (typeof parsed !== 'object' || parsed === null)
    throw new RelayDecodeError('relay message is not an object');
  const { r, s, e } = parsed as Partial<WireMessage>;
  if (typeof r !== 'string' || r.length === 0)
    throw new RelayDecodeError('relay message has no request id');
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0)
    throw new RelayDecodeError('relay message has a bad sequence number');
  if (
    typeof e !== 'object' ||
    e === null ||
    !Object.hasOwn(EVENT_TYPES, (e as { type?: unknown }).type as string)
  ) {
    throw new RelayDecodeError('relay message has no known event type');
  }
  if (e.type === 'error' && !isErrorCode(e.code))
    throw new RelayDecodeError('relay error event has an unknown code');
  return { requestId: r, seq: s, event: e };
}

/** Cancel messages on a node's cancel channel carry just the request id. */
export function encodeCancel(requestId: string): string {
  return requestId;
}
