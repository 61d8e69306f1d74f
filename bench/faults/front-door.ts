import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * The load balancer in front of the gateways: a tiny round-robin TCP proxy, as an L4 balancer
 * would be. Each client connection goes to the next gateway; a gateway that refuses the
 * connection (stopped, restarting) is skipped, so only a gateway that accepts and then
 * misbehaves can hurt a request. Like a Kubernetes Service or a cloud balancer, it health-
 * checks each gateway's `/readyz` (every 250 ms) and sends new connections only to ready
 * ones while any is ready.
 */
export interface FrontDoor {
  url: string;
  close(): Promise<void>;
}

const HEALTH_CHECK_MS = 250;

export async function startFrontDoor(backends: () => readonly number[]): Promise<FrontDoor> {
  let next = 0;
  const sockets = new Set<Socket>();
  const ready = new Set<number>();
  const check = async (): Promise<void> => {
    await Promise.all(
      backends().map(async (port) => {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`, {
          signal: AbortSignal.timeout(HEALTH_CHECK_MS * 4),
        }).then(
          (res) => res.ok,
          () => false,
        );
        if (ok) ready.add(port);
        else ready.delete(port);
      }),
    );
  };
  await check();
  const health = setInterval(() => void check(), HEALTH_CHECK_MS);
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const all = backends();
    const healthy = all.filter((p) => ready.has(p));
    const ports = healthy.length > 0 ? healthy : all;
    const start = next++;
    const attempt = (tries: number): void => {
      if (tries >= ports.length) {
        client.destroy();
        return;
      }
      const port = ports[(start + tries) % ports.length]!;
      const upstream = connect({ port, host: '127.0.0.1', noDelay: true });
      sockets.add(upstream);
      upstream.once('close', () => sockets.delete(upstream));
      let connected = false;
      upstream.on('error', () => (connected ? client.destroy() : attempt(tries + 1)));
      upstream.once('connect', () => {
        connected = true;
        client.on('error', () => upstream.destroy());
        // End-of-stream in either direction is passed on as a half close, like a real balancer.
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(health);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
