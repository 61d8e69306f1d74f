import type { StreamEvent } from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';
import { withoutPrefillEcho } from './prefill-echo';

/** A parser whose records are the text of one delta each; `end` closes with `done`. */
function texts(): EngineStreamParser {
  return {
    push: (record) => [{ type: 'delta', index: 0, text: record }],
    end: () => [{ type: 'done', choices: [{ index: 0, finishReason: 'stop' }] }],
  };
}

function run(echo: string, records: string[]): string {
  const parser = withoutPrefillEcho(texts(), echo);
  const events: StreamEvent[] = [...records.flatMap((r) => parser.push(r)), ...parser.end()];
  expect(events.at(-1)?.type).toBe('done');
  return events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
}

describe('withoutPrefillEcho', () => {
  it('drops the echoed prefill, in one piece or split over deltas', () => {
    expect(run('Hello wor', ['Hello wor gay', 'nome'])).toBe(' gaynome');
    expect(run('Hello wor', ['Hel', 'lo', ' wor', 'ld'])).toBe('ld');
  });

  it('passes text that does not start with the prefill on whole', () => {
    expect(run('Hello', ['He', 'y there'])).toBe('Hey there');
    expect(run('Hello', ['world'])).toBe('world');
  });

  it('keeps a short answer that matched only part of the prefill when the stream ends', () => {
    expect(run('Hello', ['Hel'])).toBe('Hel');
  });
});
