const MAX_REASON_LENGTH = 120;

/** A not-ready reason from a health answer: the status, plus the engine's own words when it gave some. */
export function statusReason(status: number, detail: string | undefined): string {
  if (detail === undefined || detail.trim() === '') return `HTTP ${status}`;
  const text = detail.trim();
  const short =
    text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
  return `HTTP ${status}: ${short}`;
}
