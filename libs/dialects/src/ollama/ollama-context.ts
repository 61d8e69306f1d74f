import { messageText, type ChatMessage } from '@switchyard/contracts';
import { refuse } from '../canonical';

/**
 * `/api/generate`'s `context`: Ollama returns the token ids of the conversation so far, and a
 * client sends them back to continue it. Behind the gateway the next turn may run on another
 * node, engine or tokenizer, so token ids would mean nothing there. The context returned here
 * is the conversation itself — the text of each user and assistant turn, as UTF-8 bytes behind
 * a marker — in the same shape (an array of integers), which clients store and send back
 * without looking inside. A context sent back becomes the earlier turns of the chat the
 * request runs as. A context this gateway did not issue (token ids from a real Ollama server)
 * is refused with a 400 that says so, never silently dropped.
 */

/** First element of every context issued here ('SYCT'); no Ollama vocabulary is this large. */
const MARKER = 0x53594354;
const VERSION = 1;

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/** The context to return after `history` (the turns so far, the answer included). */
export function encodeContext(history: readonly ChatMessage[]): number[] {
  const turns: Turn[] = history
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role as Turn['role'], content: messageText(m) }));
  return [MARKER, VERSION, ...Buffer.from(JSON.stringify(turns), 'utf8')];
}

/** The earlier turns a context sent back stands for; `[]` for an empty one. */
export function decodeContext(context: readonly number[] | null | undefined): ChatMessage[] {
  if (!context || context.length === 0) return [];
  if (context[0] !== MARKER || context[1] !== VERSION) return foreign();
  const bytes = context.slice(2);
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return foreign();
  let turns: unknown;
  try {
    turns = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return foreign();
  }
  if (!Array.isArray(turns) || !turns.every(isTurn)) return foreign();
  return turns.map((t) => ({ role: t.role, content: t.content }));
}

function isTurn(t: unknown): t is Turn {
  const turn = t as Partial<Turn> | null;
  return (
    typeof turn === 'object' &&
    turn !== null &&
    (turn.role === 'user' || turn.role === 'assistant') &&
    typeof turn.content === 'string'
  );
}

function foreign(): never {
  return refuse(
    'context',
    "'context' was not returned by this gateway: behind it each turn may run on a different " +
      "engine, so engine token ids cannot be continued. Send back the 'context' of this " +
      "gateway's previous /api/generate answer, or use /api/chat with 'messages'.",
  );
}
