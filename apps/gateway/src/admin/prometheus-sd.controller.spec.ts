import { makeNodeSnapshot } from '@switchyard/testing';
import { targetGroup } from './prometheus-sd.controller';

describe('Prometheus HTTP-SD target of a node', () => {
  const node = (agentUrl: string | undefined, models = ['b-model', 'a-model']) => {
    const n = makeNodeSnapshot('gpu-0', { models });
    return agentUrl === undefined ? n : { ...n, info: { ...n.info, agentUrl } };
  };

  it('lists the agent as host:port with node, engine and model labels', () => {
    expect(targetGroup(node('http://10.0.0.7:9400'))).toEqual({
      targets: ['10.0.0.7:9400'],
      labels: {
        __scheme__: 'http',
        __metrics_path__: '/metrics',
        node: 'gpu-0',
        engine: 'llamacpp',
        model: 'a-model,b-model',
      },
    });
  });

  it('keeps a path prefix and https from an advertised URL behind a proxy', () => {
    expect(targetGroup(node('https://agents.example/gpu-0/'))?.labels).toMatchObject({
      __scheme__: 'https',
      __metrics_path__: '/gpu-0/metrics',
    });
    expect(targetGroup(node('https://agents.example/gpu-0/'))?.targets).toEqual(['agents.example']);
  });

  it('skips a node without a usable agent URL', () => {
    expect(targetGroup(node(undefined))).toBeNull();
    expect(targetGroup(node('not a url'))).toBeNull();
  });
});
