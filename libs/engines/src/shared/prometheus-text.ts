/**
 * A small reader for the Prometheus text exposition format (version 0.0.4): enough for
 * counter, gauge and histogram/summary sample lines. HELP/TYPE lines and comments are
 * skipped, and so are malformed lines, so one odd metric never hides the others.
 */

export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const LABEL_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };
const SPECIAL_VALUES: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  '+Inf': Number.POSITIVE_INFINITY,
  Inf: Number.POSITIVE_INFINITY,
  '-Inf': Number.NEGATIVE_INFINITY,
};

export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample !== undefined) samples.push(sample);
  }
  return samples;
}

/** The value of the first sample with this name whose labels include `labels`. */
export function sampleValue(
  samples: readonly PrometheusSample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find((s) => s.name === name && wanted.every(([k, v]) => s.labels[k] === v))?.value;
}

function parseSampleLine(line: string): PrometheusSample | undefined {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let pos = name.length;
  let labels: Record<string, string> = {};
  if (line.charAt(pos) === '{') {
    const parsed = parseLabels(line, pos + 1);
    if (parsed === undefined) return undefined;
    labels = parsed.labels;
    pos = parsed.end;
  }
  // What follows is `value [timestamp]`; anything after the value is ignored.
  const valueToken = line.slice(pos).trim().split(/\s+/)[0] ?? '';
  const value = parseValue(valueToken);
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(token: string): number | undefined {
  const special = SPECIAL_VALUES[token];
  if (special !== undefined) return special;
  if (token === '') return undefined;
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}

/** Parses `name="value",…}` starting after the `{`; returns the position after the `}`. */
function parseLabels(
  line: string,
  start: number,
): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let pos = skipSpaces(line, start);
  while (line.charAt(pos) !== '}') {
    LABEL_NAME.lastIndex = pos;
    const labelName = LABEL_NAME.exec(line)?.[0];
    if (labelName === undefined) return undefined;
    pos = skipSpaces(line, pos + labelName.length);
    if (line.charAt(pos) !== '=') return undefined;
    pos = skipSpaces(line, pos + 1);
    if (line.charAt(pos) !== '"') return undefined;
    const quoted = readQuoted(line, pos + 1);
    if (quoted === undefined) return undefined;
    labels[labelName] = quoted.value;
    pos = skipSpaces(line, quoted.end);
    if (line.charAt(pos) === ',') pos = skipSpaces(line, pos + 1);
    else if (line.charAt(pos) !== '}') return undefined;
  }
  return { labels, end: pos + 1 };
}

/** Reads an escaped label value starting after its opening quote. */
function readQuoted(line: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let pos = start; pos < line.length; pos++) {
    const ch = line.charAt(pos);
    if (ch === '"') return { value, end: pos + 1 };
    if (ch === '\\' && pos + 1 < line.length) {
      const next = line.charAt(pos + 1);
      value += LABEL_ESCAPES[next] ?? `\\${next}`;
      pos++;
    } else {
      value += ch;
    }
  }
  return undefined;
}

function skipSpaces(line: string, pos: number): number {
  let p = pos;
  while (line.charAt(p) === ' ' || line.charAt(p) === '\t') p++;
  return p;
}
