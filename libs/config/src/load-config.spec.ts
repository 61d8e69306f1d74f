import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import {
  GATEWAY_ENV,
  WORKER_ENV,
  gatewayConfigSchema,
  parseLabels,
  workerConfigSchema,
} from './schemas';

describe('loadConfig', () => {
  it('applies defaults, then file, then environment, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 9000, keyPrefix: 'file:' }));
    const config = loadConfig(gatewayConfigSchema, GATEWAY_ENV, {
      file,
      env: { PORT: '9100', REDIS_URL: 'redis://r:6379' },
      flags: { port: 9200, host: undefined },
    });
    expect(config).toMatchObject({
      port: 9200,
      keyPrefix: 'file:',
      redisUrl: 'redis://r:6379',
      host: '127.0.0.1',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once with where each value came from', () => {
    let error: unknown;
    try {
      loadConfig(workerConfigSchema, WORKER_ENV, {
        env: { REDIS_URL: 'http://wrong' },
        flags: { engine: 'nope', engineUrl: 'ftp://x', slots: '0' },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/redisUrl \(environment REDIS_URL\)/);
    expect(problems).toMatch(/engine \(flag --engine\)/);
    expect(problems).toMatch(/engineUrl \(flag --engine-url\)/);
    expect(problems).toMatch(/slots \(flag --slots\)/);
  });

  it('names the flag and variable for a missing required setting', () => {
    expect(() => loadConfig(workerConfigSchema, WORKER_ENV, { env: {} })).toThrow(
      /engine \(default; set --engine or SWITCHYARD_ENGINE\)/,
    );
  });

  it.each([
    'redis://h1:7000,h2:7001,h3:7002',
    'redis+sentinel://s1:26379,s2:26379/mymaster',
    'rediss+sentinel://user:pw@s1/mymaster',
  ])('accepts the Redis setting %s', (redisUrl) => {
    expect(gatewayConfigSchema.parse({ redisUrl }).redisUrl).toBe(redisUrl);
  });

  it('refuses a key prefix with a hash tag (the layout places its own)', () => {
    expect(() => gatewayConfigSchema.parse({ keyPrefix: '{sy}:' })).toThrow(/must not contain/);
  });

  it('parses selector labels', () => {
    expect(parseLabels('accelerator=npu,zone=a')).toEqual({ accelerator: 'npu', zone: 'a' });
    expect(parseLabels(undefined)).toEqual({});
  });
});
