import { fixtureBytes } from '@switchyard/testing';
import { llamacppCapabilities, llamacppRefusal } from './llamacpp-capabilities';

describe('llama.cpp capabilities', () => {
  it('reads vision, the per-slot context and tool support from /props', () => {
    const props = JSON.stringify({
      default_generation_settings: { n_ctx: 1024 },
      modalities: { vision: true, audio: false },
      chat_template_caps: { supports_tools: true },
    });
    expect(llamacppCapabilities.parse({ props })).toEqual({
      vision: true,
      maxContextTokens: 1024,
      contextCoversOutput: false,
      tools: true,
    });
  });

  it('leaves tools unknown when the template does not mention them (--jinja or not looks alike)', () => {
    const props = JSON.stringify({ chat_template_caps: { supports_tools: false } });
    expect(llamacppCapabilities.parse({ props })).toEqual({});
  });

  it('reads the recorded /props of a real server', () => {
    const body = fixtureBytes('llamacpp', 'props.json').toString('utf8');
    const caps = llamacppCapabilities.parse({ props: body });
    expect(caps.maxContextTokens).toBeGreaterThan(0);
    expect(typeof caps.vision).toBe('boolean');
  });

  it('knows the refusals that hold for every request of their kind', () => {
    const notSupported =
      '{"error":{"code":501,"message":"This server does not support embeddings. Start it with `--embeddings`","type":"not_supported_error"}}';
    expect(llamacppRefusal(501, notSupported, 'embedding')).toBe('embeddings');
    expect(
      llamacppRefusal(
        400,
        '{"error":{"message":"Pooling type \'none\' is not OAI compatible"}}',
        'embedding',
      ),
    ).toBe('embeddings');
    const jinja =
      '{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}';
    expect(llamacppRefusal(500, jinja, 'generation')).toBe('tools');
    const noProjector =
      '{"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need to provide the mmproj","type":"server_error"}}';
    expect(llamacppRefusal(500, noProjector, 'generation')).toBe('vision');
    expect(
      llamacppRefusal(500, '{"error":{"message":"out of memory"}}', 'generation'),
    ).toBeUndefined();
    expect(llamacppRefusal(400, '{"error":{"message":"bad"}}', 'embedding')).toBeUndefined();
  });
});
