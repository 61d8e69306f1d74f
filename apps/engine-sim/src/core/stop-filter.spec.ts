import { StopFilter } from './stop-filter';

/** Feeds tokens until the filter stops; returns what was sent per token. */
function feed(stops: string[], tokens: string[]): { sent: string[]; filter: StopFilter } {
  const filter = new StopFilter(stops);
  const sent: string[] = [];
  for (const token of tokens) {
    sent.push(filter.push(token, false));
    if (filter.stopped) break;
  }
  return { sent, filter };
}

describe('StopFilter', () => {
  it('passes text through when no stop string can start', () => {
    const { sent, filter } = feed(['END'], [' one', ' two']);
    expect(sent).toEqual([' one', ' two']);
    expect(filter.stopped).toBe(false);
  });

  it('erases a stop string inside one token and everything after it', () => {
    const { sent, filter } = feed(['a'], [' Rain', ' more']);
    expect(sent).toEqual([' R']);
    expect(filter.content).toBe(' R');
    expect(filter.stoppingWord).toBe('a');
  });

  it('withholds a partial match and never leaks a stop string spanning tokens', () => {
    const { sent, filter } = feed(['river'], [' the', ' riv', 'er', ' bank']);
    expect(sent).toEqual([' the', '', ' ']);
    expect(sent.join('')).toBe(' the ');
    expect(filter.content).toBe(' the ');
    expect(filter.stopped).toBe(true);
  });

  it('releases withheld text in one send once the match fails', () => {
    const { sent, filter } = feed(['river'], [' the', ' riv', 'al', ' team']);
    expect(sent).toEqual([' the', '', ' rival', ' team']);
    expect(filter.stopped).toBe(false);
  });

  it('picks the earliest of several stop strings', () => {
    const { filter } = feed(['bank', 'the'], [' the river bank']);
    expect(filter.content).toBe(' ');
    expect(filter.stoppingWord).toBe('the');
  });

  it('sends everything on the end-of-generation token and keeps a withheld tail as unsent', () => {
    const filter = new StopFilter(['river']);
    expect(filter.push(' the riv', false)).toBe('');
    expect(filter.unsent).toBe(' the riv');
    expect(filter.push('', true)).toBe(' the riv');
    expect(filter.unsent).toBe('');
  });
});
