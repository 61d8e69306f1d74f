import { formatChildLine } from './child-output';

describe('formatChildLine', () => {
  it('drops the children’s start banners (up reports progress itself)', () => {
    expect(
      formatChildLine(
        'sim-0',
        'switchyard sim (llamacpp, model m) listening on http://127.0.0.1:1',
      ),
    ).toBeNull();
    expect(
      formatChildLine('worker-0', 'switchyard worker n started (agent http://127.0.0.1:2)'),
    ).toBeNull();
    expect(formatChildLine('gateway', '')).toBeNull();
  });

  it('turns a JSON log line into one readable line', () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 2,
      hostname: 'h',
      name: 'worker:n',
      reason: 'engine unreachable',
      msg: 'node not ready',
    });
    expect(formatChildLine('worker-0', line)).toBe(
      'worker-0 WARN node not ready (reason=engine unreachable)',
    );
  });

  it('passes other text through with the child’s name', () => {
    expect(formatChildLine('sim-1', 'something odd')).toBe('sim-1 something odd');
    expect(formatChildLine('sim-1', '{not json')).toBe('sim-1 {not json');
  });
});
