import { SwitchyardError, type NodeSnapshot } from '@switchyard/contracts';
import { catalogEntrySchema, type CatalogEntry } from '@switchyard/config';
import { chatRequest, makeNodeSnapshot } from '@switchyard/testing';
import { CatalogSnapshot } from './model-catalog';

const entry = (e: Record<string, unknown>): CatalogEntry => catalogEntrySchema.parse(e);

const ENTRIES = [
  entry({
    name: 'qwen-vl',
    aliases: ['qwen2.5-vl:7b', 'Qwen/Qwen2.5-VL-7B-Instruct'],
    displayName: 'Qwen VL',
    description: 'Sees images',
    modalities: ['text', 'image'],
    ownedBy: 'qwen',
  }),
  entry({ name: 'llama', aliases: ['llama3.1:8b'], ownedBy: 'meta' }),
];

function busy(node: NodeSnapshot, running: number): NodeSnapshot {
  return { ...node, load: { ...node.load, running, slotsFree: node.load.slotsTotal - running } };
}

const nodes = [
  makeNodeSnapshot('a', { models: ['llama'], slots: 2, startedAt: 5_000_000 }),
  makeNodeSnapshot('b', { models: ['llama', 'qwen-vl'], slots: 4, startedAt: 2_000_000 }),
  makeNodeSnapshot('c', { models: ['plain'], state: 'warming' }),
];

const imageChat = chatRequest({
  model: 'llama',
  modalities: ['text', 'image'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image', url: 'data:image/png;base64,AAAA' },
      ],
    },
  ],
});

function refusal(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a SwitchyardError');
}

describe('CatalogSnapshot listing', () => {
  it('lists served models of ready nodes only, with configured fields and live figures', () => {
    const catalog = new CatalogSnapshot(ENTRIES, nodes);
    expect(catalog.served().map((m) => m.id)).toEqual(['llama', 'qwen-vl']);
    expect(catalog.find('qwen-vl')).toEqual({
      id: 'qwen-vl',
      aliases: ['qwen2.5-vl:7b', 'Qwen/Qwen2.5-VL-7B-Instruct'],
      displayName: 'Qwen VL',
      description: 'Sees images',
      modalities: ['text', 'image'],
      ownedBy: 'qwen',
      created: 2000,
      engines: ['llamacpp'],
      nodes: 1,
      inFlight: 0,
    });
    expect(catalog.find('llama')).toMatchObject({ nodes: 2, created: 2000, ownedBy: 'meta' });
  });

  it('describes a model missing from configuration as text-only under its own name', () => {
    const catalog = new CatalogSnapshot([], [makeNodeSnapshot('x', { models: ['m'] })]);
    expect(catalog.find('m')).toMatchObject({
      id: 'm',
      aliases: [],
      modalities: ['text'],
      ownedBy: 'switchyard',
    });
  });

  it('finds a model by alias, and by Ollama name with or without :latest', () => {
    const catalog = new CatalogSnapshot(ENTRIES, [
      ...nodes,
      makeNodeSnapshot('d', { models: ['mistral:latest'] }),
    ]);
    expect(catalog.find('llama3.1:8b')?.id).toBe('llama');
    expect(catalog.find('Qwen/Qwen2.5-VL-7B-Instruct')?.id).toBe('qwen-vl');
    expect(catalog.find('mistral')?.id).toBe('mistral:latest');
    expect(catalog.find('llama:latest')?.id).toBe('llama');
    expect(catalog.find('plain')).toBeUndefined();
  });
});

describe('CatalogSnapshot.resolve', () => {
  it('rewrites an alias to the canonical name and leaves unknown names for placement to refuse', () => {
    const catalog = new CatalogSnapshot(ENTRIES, nodes);
    expect(catalog.resolve(chatRequest({ model: 'llama3.1:8b' })).model).toBe('llama');
    expect(catalog.resolve(chatRequest({ model: 'nobody' })).model).toBe('nobody');
  });

  it('refuses images for a text-only model and names the models that take them', () => {
    const err = refusal(() => new CatalogSnapshot(ENTRIES, nodes).resolve(imageChat));
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe('model');
    expect(err.message).toBe("The model 'llama' does not accept images; models that do: qwen-vl.");
    expect(
      new CatalogSnapshot(ENTRIES, nodes).resolve({ ...imageChat, model: 'qwen2.5-vl:7b' }).model,
    ).toBe('qwen-vl');
  });

  it('auto: the first model in the configured order with a free slot', () => {
    const full = [busy(nodes[0]!, 2), busy(nodes[1]!, 4)];
    const some = [busy(nodes[0]!, 2), busy(nodes[1]!, 3)];
    const order = ['qwen-vl', 'llama'];
    const auto = chatRequest({ model: 'auto' });
    expect(new CatalogSnapshot(ENTRIES, nodes, order).resolve(auto).model).toBe('qwen-vl');
    // Node a is full, b has one slot left: qwen-vl (served by b) still has room.
    expect(new CatalogSnapshot(ENTRIES, some, order).resolve(auto).model).toBe('qwen-vl');
    // Nothing free anywhere: the first served model in order still takes it (and queues).
    expect(new CatalogSnapshot(ENTRIES, full, order).resolve(auto).model).toBe('qwen-vl');
    const llamaFirst = new CatalogSnapshot(ENTRIES, [busy(nodes[1]!, 4), nodes[0]!], order);
    expect(llamaFirst.resolve(auto).model).toBe('llama');
  });

  it('auto: only models that accept the request’s modalities', () => {
    const catalog = new CatalogSnapshot(ENTRIES, nodes, ['llama', 'qwen-vl']);
    expect(catalog.resolve({ ...imageChat, model: 'auto' }).model).toBe('qwen-vl');
    const textOnly = new CatalogSnapshot(ENTRIES, [nodes[0]!], ['llama']);
    const err = refusal(() => textOnly.resolve({ ...imageChat, model: 'auto' }));
    expect(err.code).toBe('SY_BAD_REQUEST');
  });

  it('auto without an order: catalogue order, then other served models by name', () => {
    const catalog = new CatalogSnapshot(
      [entry({ name: 'zeta' })],
      [makeNodeSnapshot('x', { models: ['alpha', 'zeta'] })],
    );
    expect(catalog.resolve(chatRequest({ model: 'auto' })).model).toBe('zeta');
    expect(new CatalogSnapshot([], nodes).resolve(chatRequest({ model: 'auto' })).model).toBe(
      'llama',
    );
  });

  it('auto with nothing served is a retryable no-capacity error', () => {
    const err = refusal(() =>
      new CatalogSnapshot(ENTRIES, []).resolve(chatRequest({ model: 'auto' })),
    );
    expect(err.code).toBe('SY_NO_CAPACITY');
    expect(err.retryAfterSeconds).toBe(1);
  });
});
