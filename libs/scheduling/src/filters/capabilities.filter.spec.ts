import type { NodeCapabilities } from '@switchyard/contracts';
import type { PlacementRequest } from '../cluster-view';
import { place } from '../place';
import { REQ, chosenId, node, policy } from '../node.spec-support';
import { missingCapability } from './capabilities.filter';

const withCaps = (id: string, capabilities: NodeCapabilities) => {
  const n = node(id);
  return { ...n, snapshot: { ...n.snapshot, info: { ...n.snapshot.info, capabilities } } };
};

describe('the capabilities filter', () => {
  it.each<[string, NodeCapabilities, PlacementRequest, string | null]>([
    ['unknown capabilities keep every request', {}, { ...REQ, tools: true, choices: 3 }, null],
    ['tools on a node without them', { tools: false }, { ...REQ, tools: true }, 'tools'],
    ['tools on a node with them', { tools: true }, { ...REQ, tools: true }, null],
    ['no tools asked', { tools: false }, REQ, null],
    [
      'images without vision',
      { vision: false },
      { ...REQ, modalities: ['text', 'image'] },
      'vision',
    ],
    [
      'n > 1 on a one-sequence engine',
      { multipleChoices: false },
      { ...REQ, choices: 2 },
      'multipleChoices',
    ],
    [
      'a prompt beyond the context',
      { maxContextTokens: 512, contextCoversOutput: false },
      { ...REQ, minPromptTokens: 600, maxTokens: 10 },
      'maxContextTokens',
    ],
    [
      'output beyond the context of an engine that clips it',
      { maxContextTokens: 512, contextCoversOutput: false },
      { ...REQ, minPromptTokens: 100, maxTokens: 4096 },
      null,
    ],
    [
      'prompt + output beyond the context of an engine that refuses it',
      { maxContextTokens: 512, contextCoversOutput: true },
      { ...REQ, minPromptTokens: 100, maxTokens: 500 },
      'maxContextTokens',
    ],
  ])('%s', (_name, caps, req, missing) => {
    expect(missingCapability(caps, req)).toBe(missing);
  });

  it('places a tools request only on a node that serves tools, and names the filter when none does', () => {
    const nodes = [withCaps('no-jinja', { tools: false }), withCaps('jinja', {})];
    const tools: PlacementRequest = { ...REQ, tools: true };
    for (let i = 0; i < 5; i++) expect(chosenId(place(nodes, tools, policy()))).toBe('jinja');
    expect(place([nodes[0]!], tools, policy())).toMatchObject({
      outcome: 'no-node',
      refusedBy: 'capabilities',
    });
    expect(chosenId(place([nodes[0]!], REQ, policy()))).toBe('no-jinja');
  });

  it('keeps embeddings off a node that learned it has none, though its adapter has the call', () => {
    const n = withCaps('no-embeddings', { embeddings: false });
    const info = { ...n.snapshot.info, embeddings: true };
    const learned = { ...n, snapshot: { ...n.snapshot, info } };
    expect(place([learned], { ...REQ, embedding: true }, policy())).toMatchObject({
      refusedBy: 'embeddings',
    });
  });
});
