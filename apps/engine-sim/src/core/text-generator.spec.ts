import { renderChatPrompt } from './chat-template';
import { generateTokens, planCompletion } from './text-generator';
import { countTokens, splitPieces, tokenize } from './tokenizer';

const MODEL = 'tiny-llama';
const prompts = Array.from({ length: 200 }, (_, i) =>
  renderChatPrompt([{ role: 'user', content: `Question ${i}: why is the sky blue?` }]),
);

describe('generateTokens', () => {
  it('is a pure function of model, prompt and seed', () => {
    const input = { model: MODEL, prompt: prompts[0]!, seed: 42 };
    expect(generateTokens(input)).toEqual(generateTokens(input));
    expect(generateTokens({ ...input, seed: 43 }).tokens).not.toEqual(generateTokens(input).tokens);
    expect(generateTokens({ ...input, model: 'other' }).tokens).not.toEqual(
      generateTokens(input).tokens,
    );
  });

  it('treats an absent seed as a fixed default', () => {
    const a = generateTokens({ model: MODEL, prompt: prompts[1]! });
    const b = generateTokens({ model: MODEL, prompt: prompts[1]! });
    expect(a).toEqual(b);
  });

  it('ends naturally with EOS after roughly 8 to 60 tokens', () => {
    const lengths = prompts.map((prompt) => {
      const result = generateTokens({ model: MODEL, prompt });
      expect(result.finish).toBe('eos');
      return result.tokens.length;
    });
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(62);
    expect(new Set(lengths).size).toBeGreaterThan(20);
  });

  it('caps at maxTokens with a prefix of the uncapped answer', () => {
    const full = generateTokens({ model: MODEL, prompt: prompts[2]!, seed: 1 });
    const capped = generateTokens({ model: MODEL, prompt: prompts[2]!, seed: 1, maxTokens: 5 });
    expect(capped).toEqual({ tokens: full.tokens.slice(0, 5), finish: 'limit' });
    // The EOS is a decode step of its own: exactly enough room for the words still ends in EOS.
    const exact = full.tokens.length + 1;
    expect(
      generateTokens({ model: MODEL, prompt: prompts[2]!, seed: 1, maxTokens: exact }),
    ).toEqual(full);
    expect(
      generateTokens({ model: MODEL, prompt: prompts[2]!, seed: 1, maxTokens: exact - 1 }).finish,
    ).toBe('limit');
  });

  it('reads as words and starts a chat answer without a leading space', () => {
    const text = generateTokens({ model: MODEL, prompt: prompts[3]! }).tokens.join('');
    expect(text).toMatch(/^[A-Z][a-z]*( [a-z]+|[,;.!?]| [A-Z][a-z]*|\n\n[A-Z][a-z]*)+$/);
    expect(text).toMatch(/[.!?]$/);
  });

  it('plans the EOS as a last, empty, end-of-generation token', () => {
    const plan = planCompletion({ model: MODEL, prompt: prompts[4]! });
    expect(plan.tokens.at(-1)).toEqual({ id: 2, text: '', eog: true });
    expect(plan.tokens.slice(0, -1).every((t) => !t.eog && t.text !== '')).toBe(true);
  });

  it('keeps going past the natural end with ignoreEos, up to the cap', () => {
    const plan = planCompletion({
      model: MODEL,
      prompt: prompts[5]!,
      maxTokens: 300,
      ignoreEos: true,
    });
    expect(plan.tokens).toHaveLength(300);
    expect(plan.finish).toBe('limit');
  });
});

describe('tokenizer', () => {
  it('splits generated text back into the generated pieces', () => {
    for (const prompt of prompts.slice(0, 50)) {
      const { tokens } = generateTokens({ model: MODEL, prompt });
      expect(splitPieces(tokens.join(''))).toEqual(tokens);
      expect(countTokens(tokens.join(''))).toBe(tokens.length);
    }
  });

  it('covers every character and is deterministic', () => {
    const text = 'Hello, wörld! 42 — 你好\n\n  internationalization <|im_start|>user';
    expect(splitPieces(text).join('')).toBe(text);
    expect(tokenize(text)).toEqual(tokenize(text));
    expect(tokenize(text, true)[0]).toBe(1);
    expect(countTokens('hello world')).toBe(2);
  });
});

describe('renderChatPrompt', () => {
  it('renders ChatML with the assistant generation prompt', () => {
    expect(
      renderChatPrompt([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });
});
