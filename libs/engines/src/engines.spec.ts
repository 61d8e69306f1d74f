import { ENGINE_KINDS } from '@switchyard/contracts';
import { ENGINE_ADAPTERS, getEngineAdapter } from './engines';

describe('engine registry', () => {
  it.each(Object.entries(ENGINE_ADAPTERS))(
    'row %s holds an adapter of that kind',
    (kind, adapter) => {
      expect(adapter.kind).toBe(kind);
      expect(ENGINE_KINDS).toContain(kind);
      expect(getEngineAdapter(kind)).toBe(adapter);
    },
  );

  it.each(ENGINE_KINDS)('kind %s has a row', (kind) => {
    expect(getEngineAdapter(kind).kind).toBe(kind);
  });

  it.each(['sglang', 'nope', 'toString', ''])(
    'refuses %p and lists the supported kinds',
    (kind) => {
      const supported = Object.keys(ENGINE_ADAPTERS).join(', ');
      expect(supported).toContain('llamacpp');
      expect(() => getEngineAdapter(kind)).toThrow(
        `engine kind "${kind}" has no adapter; supported engine kinds: ${supported}`,
      );
    },
  );
});
