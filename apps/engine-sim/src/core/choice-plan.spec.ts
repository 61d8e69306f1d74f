import { renderChatPrompt } from './chat-template';
import { planChoice } from './choice-plan';
import { planCompletion } from './text-generator';

const MODEL = 'tiny-llama';
const prompts = Array.from({ length: 50 }, (_, i) =>
  renderChatPrompt([{ role: 'user', content: `Question ${i}` }]),
);
const tool = {
  name: 'lookup',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
};

describe('planChoice', () => {
  it('plans exactly the completion plan when the model neither thinks nor calls', () => {
    for (const [i, prompt] of prompts.entries()) {
      const input = { model: MODEL, prompt, seed: i, maxTokens: i % 3 === 0 ? 20 : undefined };
      const plan = planChoice({ ...input, reasoning: false });
      expect(plan.steps.map((s) => s.token)).toEqual(planCompletion(input).tokens);
      expect(plan.steps.every((s) => s.channel === 'content')).toBe(true);
      expect(plan.toolCall).toBeUndefined();
    }
  });

  it('thinks between delimiters, then gives the plain answer', () => {
    const input = { model: MODEL, prompt: prompts[0]!, seed: 1 };
    const plan = planChoice({ ...input, reasoning: true });
    const channels = plan.steps.map((s) => s.channel);
    const close = channels.lastIndexOf('delimiter');
    expect(channels[0]).toBe('delimiter');
    expect(plan.steps[0]!.token.text).toBe('<think>');
    expect(plan.steps[close]!.token.text).toBe('</think>');
    expect(channels.slice(1, close).every((c) => c === 'reasoning')).toBe(true);
    expect(close).toBeGreaterThan(8);
    expect(plan.steps.slice(close + 1).map((s) => s.token)).toEqual(planCompletion(input).tokens);
  });

  it('calls a tool with its name, argument fragments and EOS, all within maxTokens', () => {
    const plan = planChoice({ model: MODEL, prompt: prompts[1]!, seed: 2, reasoning: false, tool });
    expect(plan.toolCall?.name).toBe('lookup');
    expect(plan.steps[0]).toMatchObject({ channel: 'tool-name', token: { text: 'lookup' } });
    const fragments = plan.steps.filter((s) => s.channel === 'tool-arguments');
    expect(fragments.map((s) => s.token.text).join('')).toBe(plan.toolCall?.arguments);
    expect(plan.steps.at(-1)!.token.eog).toBe(true);

    const cut = planChoice({
      model: MODEL,
      prompt: prompts[1]!,
      reasoning: true,
      tool,
      maxTokens: 5,
    });
    expect(cut.steps).toHaveLength(5);
  });
});
