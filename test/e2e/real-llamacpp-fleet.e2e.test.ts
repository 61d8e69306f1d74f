import { randomBytes } from 'node:crypto';
import { RegistryRepository, createRedis, type RedisClient } from '@switchyard/cluster';
import { keySpace } from '@switchyard/contracts';
import {
  cleanupPrefix,
  freePort,
  randomPrefix,
  realLlamaServerMissing,
  startRealLlamaServer,
  testRedisUrl,
  waitFor,
  type RealLlamaServer,
} from '@switchyard/testing';
import OpenAI from 'openai';
import { launch, type Launched } from './support/processes';

/**
 * A fleet of two genuine llama-servers behind their worker-agents and a gateway, as a user
 * starts them: `embedder` with --embeddings (jinja on, the default), `plain` without embeddings
 * and with --no-jinja. Each node learns what its engine serves before it takes traffic, so
 * embeddings and tools reach only the node that serves them, with no error at all.
 */
const missing = realLlamaServerMissing();
if (missing !== null) console.warn(`real llama.cpp fleet e2e skipped: ${missing}`);

(missing === null ? describe : describe.skip)(
  `a fleet of real llama-servers${missing ? ` (${missing})` : ''}`,
  () => {
    const MODEL = 'tiny-llama';
    const prefix = randomPrefix();
    const run = randomBytes(3).toString('hex');
    const ids = { embedder: `real-${run}-embedder`, plain: `real-${run}-plain` };
    let embedder: RealLlamaServer;
    let plain: RealLlamaServer;
    const launched: Launched[] = [];
    let redis: RedisClient;
    let registry: RegistryRepository;
    let client: OpenAI;

    beforeAll(async () => {
      [embedder, plain] = await Promise.all([
        startRealLlamaServer({ slots: 2, ctx: 1024, embeddings: true }),
        startRealLlamaServer({ slots: 2, ctx: 1024, jinja: false }),
      ]);
      const env = { REDIS_URL: testRedisUrl(), SWITCHYARD_PREFIX: prefix };
      for (const [name, server] of [
        ['embedder', embedder],
        ['plain', plain],
      ] as const) {
        launched.push(
          launch(
            `worker-${name}`,
            ['worker', '--engine', 'llamacpp', '--engine-url', server.url, '--node-id', ids[name]],
            env,
          ),
        );
      }
      const port = await freePort();
      launched.push(launch('gateway', ['gateway', '--port', String(port)], env));
      redis = createRedis(testRedisUrl());
      registry = new RegistryRepository(redis, keySpace(prefix), { aliveTtlMs: 3000 });
      const gatewayUrl = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          const res = await fetch(`${gatewayUrl}/readyz`);
          return res.ok && ((await res.json()) as { readyNodes: number }).readyNodes === 2;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'both nodes ready at the gateway' },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${launched.map((l) => l.output()).join('\n')}`);
      });
      client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'none', maxRetries: 0 });
    }, 60_000);

    afterAll(async () => {
      await Promise.all(launched.map((l) => l.stop()));
      await Promise.all([embedder, plain].map((s) => s?.close()));
      if (redis) {
        await cleanupPrefix(redis, prefix);
        await redis.quit();
      }
    });

    it('records what each engine serves on its node', async () => {
      const snapshots = await registry.listAlive();
      const caps = (id: string) => snapshots.find((s) => s.info.id === id)?.info.capabilities;
      expect(caps(ids.embedder)).toMatchObject({
        embeddings: true,
        tools: true,
        vision: false,
        maxContextTokens: 512,
      });
      expect(caps(ids.plain)).toMatchObject({ embeddings: false, tools: false });
      expect(snapshots.find((s) => s.info.id === ids.plain)?.info.embeddings).toBe(false);
    });

    it('serves 100 embedding requests with no error, all on the node that embeds', async () => {
      const served = new Map<string, number>();
      let errors = 0;
      const one = async (i: number) => {
        try {
          const { data, response } = await client.embeddings
            .create({ model: MODEL, input: [`text number ${i}`] })
            .withResponse();
          expect(data.data[0]!.embedding).toHaveLength(64);
          const node = response.headers.get('x-switchyard-node') ?? '?';
          served.set(node, (served.get(node) ?? 0) + 1);
        } catch {
          errors += 1;
        }
      };
      for (let i = 0; i < 100; i += 4) await Promise.all([0, 1, 2, 3].map((k) => one(i + k)));
      expect(errors).toBe(0);
      expect(Object.fromEntries(served)).toEqual({ [ids.embedder]: 100 });
    });

    it('never sends a tools request to the --no-jinja node', async () => {
      const nodes: string[] = [];
      for (let i = 0; i < 10; i++) {
        const { response } = await client.chat.completions
          .create({
            model: MODEL,
            messages: [{ role: 'user', content: `weather ${i}?` }],
            max_tokens: 4,
            tools: [
              {
                type: 'function',
                function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
              },
            ],
          })
          .withResponse();
        nodes.push(response.headers.get('x-switchyard-node') ?? '?');
      }
      expect(new Set(nodes)).toEqual(new Set([ids.embedder]));
      // Nothing the plain node's engine refused: no tools request ever reached it.
      const plainAgent = (await registry.listAlive()).find((s) => s.info.id === ids.plain)?.info
        .agentUrl;
      const metrics = await (await fetch(`${plainAgent}/metrics`)).text();
      expect(metrics).not.toMatch(/switchyard_engine_capability_refusals_total\{[^}]*\} [1-9]/);
      // Plain chats still go to both.
      const plainNodes = new Set<string>();
      for (let i = 0; i < 12 && plainNodes.size < 2; i++) {
        const { response } = await client.chat.completions
          .create({ model: MODEL, messages: [{ role: 'user', content: `hi ${i}` }], max_tokens: 2 })
          .withResponse();
        plainNodes.add(response.headers.get('x-switchyard-node') ?? '?');
      }
      expect(plainNodes.has(ids.plain)).toBe(true);
    });

    it('refuses a tools request no node can serve with a 400 naming the capability', async () => {
      await launched[0]!.stop(); // the embedder's worker leaves; only the plain node remains
      await waitFor(
        async () => !(await registry.listAlive()).some((s) => s.info.id === ids.embedder),
        { timeoutMs: 15_000, what: 'the embedder node gone' },
      );
      const err = await client.chat.completions
        .create({
          model: MODEL,
          messages: [{ role: 'user', content: 'weather?' }],
          max_tokens: 4,
          tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as Error).message).toMatch(/tool calling/);
    });
  },
);
