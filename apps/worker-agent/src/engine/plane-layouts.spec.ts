import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mindieAdapter } from '@switchyard/engines';
import { EngineClient } from './engine.client';
import { findPlanes } from './plane-layouts';

/** A listener answering only `paths` (200), 404 to the rest. */
async function listener(paths: readonly string[], port = 0): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.writeHead(paths.includes(req.url ?? '') ? 200 : 404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
const close = (s: http.Server) => new Promise((resolve) => s.close(resolve));

describe('findPlanes (MindIE given only its business URL)', () => {
  it('finds one listener serving every plane', async () => {
    const one = await listener(['/v1/models', '/health']);
    const url = `http://127.0.0.1:${portOf(one)}`;
    const client = new EngineClient(url, mindieAdapter);
    try {
      const found = await findPlanes(client, mindieAdapter, url);
      expect(found?.layout.name).toMatch(/one listener/);
      expect(found?.urls.management).toBe(`${url}/`);
    } finally {
      await client.close();
      await close(one);
    }
  });

  it('falls back to GET /info on the one port (GPUStack) when /health is gone', async () => {
    const one = await listener(['/v1/models', '/info']);
    const url = `http://127.0.0.1:${portOf(one)}`;
    const client = new EngineClient(url, mindieAdapter);
    try {
      const found = await findPlanes(client, mindieAdapter, url);
      expect(found?.layout.name).toMatch(/GPUStack/);
      expect(found?.layout.health).toEqual({ plane: 'management', path: '/info' });
      client.retarget(found!.urls, found!.layout.health);
      expect(await client.health()).toEqual({ ready: true });
    } finally {
      await client.close();
      await close(one);
    }
  });

  it('finds nothing while nothing answers', async () => {
    const gone = await listener([]);
    const url = `http://127.0.0.1:${portOf(gone)}`;
    await close(gone);
    const client = new EngineClient(url, mindieAdapter, { probeTimeoutMs: 500 });
    try {
      expect(await findPlanes(client, mindieAdapter, url)).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
