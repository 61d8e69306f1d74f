import type { IncomingMessage, ServerResponse } from 'node:http';

/** The client's side of one request: noticing it leave, and leaving it the way a dying engine does. */

export interface DisconnectWatch {
  /** Aborts when the client closes the connection before the response is complete. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export function watchDisconnect(req: IncomingMessage, res: ServerResponse): DisconnectWatch {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  if (req.socket.destroyed) controller.abort();
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}

/**
 * Closes the connection mid-response, as when the engine process dies: whatever was written
 * still reaches the client, then the socket closes without the response ever ending (no final
 * chunk, no end marker), so the client sees a truncated body.
 */
export function dropConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (socket) socket.destroySoon();
  else res.destroy();
}
