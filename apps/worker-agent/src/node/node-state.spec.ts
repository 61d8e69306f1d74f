import { NodeStateMachine } from './node-state';

describe('NodeStateMachine', () => {
  it('follows engine health between warming and ready', () => {
    const m = new NodeStateMachine();
    expect(m.moveTo('warming', 'loading model')).toBe(true);
    expect(m.moveTo('ready')).toBe(true);
    expect(m.moveTo('warming', 'engine unreachable')).toBe(true);
    expect(m.reason).toBe('engine unreachable');
  });

  it('never lets health undo draining', () => {
    const m = new NodeStateMachine();
    m.moveTo('ready');
    m.moveTo('draining', 'SIGTERM');
    expect(m.moveTo('ready')).toBe(false);
    expect(m.moveTo('warming')).toBe(false);
    expect(m.state).toBe('draining');
    expect(m.moveTo('gone')).toBe(true);
  });

  it('keeps a cordon until the operator lifts it, then goes back through warming', () => {
    const m = new NodeStateMachine();
    m.moveTo('ready');
    expect(m.moveTo('cordoned', 'operator')).toBe(true);
    expect(m.moveTo('ready')).toBe(false);
    expect(m.moveTo('warming')).toBe(true);
    expect(m.moveTo('ready')).toBe(true);
  });

  it('lets the operator lift a cordon or a drain, never health', () => {
    const m = new NodeStateMachine();
    m.moveTo('ready');
    m.moveTo('draining', 'drain requested by operator');
    expect(m.moveTo('warming')).toBe(false);
    expect(m.release('uncordoned')).toBe(true);
    expect(m.state).toBe('warming');
    expect(m.release('again')).toBe(false);
  });
});
