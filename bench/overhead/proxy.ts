import { Agent, createServer, request } from 'node:http';

/**
 * The bare proxy: the floor of any HTTP proxy in Node. It forwards method, path, headers and
 * body to one upstream over keep-alive connections and pipes the answer back as it arrives
 * (so streams stay streams). No parsing, no routing, no logging. Run as its own process so
 * its CPU time can be read from /proc:
 *
 *   node dist/bench/overhead/proxy.js <port> <upstream origin>
 *
 * It prints `listening <port>` once it accepts connections.
 */
function startProxy(port: number, upstream: URL): void {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 30_000 });
  const server = createServer({ noDelay: true, keepAliveTimeout: 30_000 }, (req, res) => {
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('socket', (socket) => socket.setNoDelay(true));
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that goes away cancels the upstream call, as any real proxy must.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    agent.destroy();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const [port, upstream] = process.argv.slice(2);
if (!port || !upstream) {
  process.stderr.write('usage: proxy.js <port> <upstream origin>\n');
  process.exit(2);
}
startProxy(Number(port), new URL(upstream));
