import type { RecordReader } from './record-reader';

/** NDJSON framing: one record per non-blank line; `\r\n` line ends are accepted. */
export function createNdjsonReader(): RecordReader {
  let pending = '';
  return {
    push(chunk) {
      const lastNewline = chunk.lastIndexOf('\n');
      if (lastNewline === -1) {
        pending += chunk;
        return [];
      }
      const complete = pending + chunk.slice(0, lastNewline);
      pending = chunk.slice(lastNewline + 1);
      return complete.split('\n').map(stripCr).filter(isNotBlank);
    },
    end() {
      // Producers commonly omit the newline after the last object; keep it.
      const rest = stripCr(pending);
      pending = '';
      return isNotBlank(rest) ? [rest] : [];
    },
  };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function isNotBlank(line: string): boolean {
  return line.trim() !== '';
}
