import { createStopTrimmer } from './stop-trimmer';

/** Pushes each piece, then flushes; returns what was released at each step. */
function run(stops: string[], pieces: string[], trim: boolean) {
  const trimmer = createStopTrimmer(stops);
  const released = pieces.map((p) => trimmer.push(p));
  return { released, rest: trimmer.flush(trim) };
}

describe('createStopTrimmer', () => {
  it.each<[string, string[], string[], boolean, string[], { text: string; stopSequence?: string }]>(
    [
      [
        'passes everything through without stops',
        [],
        ['a', '\n', 'b'],
        true,
        ['a', '\n', 'b'],
        { text: '' },
      ],
      [
        'holds a stop built over several pieces and cuts it',
        ['\nUser:'],
        [' Paris', '.', '\n', 'User', ':'],
        true,
        [' Paris', '.', '', '', ''],
        { text: '', stopSequence: '\nUser:' },
      ],
      [
        'releases a false start once the next piece rules it out',
        ['\nUser:'],
        ['a\n', 'Us', 'ually'],
        false,
        ['a', '', '\nUsually'],
        { text: '' },
      ],
      [
        'keeps text before a stop inside one piece',
        ['###'],
        [' #', '##'],
        true,
        [' ', ''],
        { text: '', stopSequence: '###' },
      ],
      [
        'cuts the longest of several matching stops',
        ['end', 'the end'],
        ['the', ' end'],
        true,
        ['', ''],
        { text: '', stopSequence: 'the end' },
      ],
      [
        'gives held text back untrimmed when not stopped',
        ['</answer>'],
        ['42</ans'],
        false,
        ['42'],
        { text: '</ans' },
      ],
      [
        'holds a partial match that the end leaves unmatched',
        ['</answer>'],
        ['42</ans'],
        true,
        ['42'],
        { text: '</ans' },
      ],
      [
        'handles astral characters in stops',
        ['🛑'],
        ['go 🛑'],
        true,
        ['go '],
        { text: '', stopSequence: '🛑' },
      ],
      ['ignores an empty stop string', [''], ['abc'], true, ['abc'], { text: '' }],
    ],
  )('%s', (_name, stops, pieces, trim, released, rest) => {
    expect(run(stops, pieces, trim)).toEqual({ released, rest });
  });
});
