import type { ServerResponse } from 'node:http';

/** Response headers in the exact order and spelling an engine writes them. */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/**
 * Writes the status line and exactly these headers: Node adds no `Date`, `Connection` or
 * `Keep-Alive` of its own. The connection stays open unless the list says `Connection: close`.
 */
export function writeHead(res: ServerResponse, status: number, headers: HeaderList): void {
  res.sendDate = false;
  if (!headers.some(([name]) => name.toLowerCase() === 'connection')) {
    // Removing the header (rather than never setting it) is what stops Node from adding one.
    res.removeHeader('Connection');
  }
  res.writeHead(
    status,
    headers.flatMap(([name, value]) => [name, value]),
  );
}
