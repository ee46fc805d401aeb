/**
 * The embedded deployment for the benchmark (what `npm start` runs: every service in one process,
 * SQLite stores, in-process bus), plus the floor of `command-embedded`: a raw HTTP echo route on
 * the same server. The echo is answered by Node's HTTP server before Fastify and Nest see the
 * request: same process, same port, same connections and event loop, none of the framework.
 *
 * Forked by bench/lib/system.ts, configured from the environment as `npm start` is; sends
 * `{ url }` once it listens and exits 0 on SIGTERM.
 */
import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { bootstrap } from '@clientele/host';

export const ECHO_PATH = '/__bench/echo';

function installEcho(server: Server): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== ECHO_PATH) {
      for (const handler of handlers) handler.call(server, req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks) : Buffer.from('{}');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await bootstrap(config, new JsonLogger(config.logLevel, process.stderr, 'bench'));
  installEcho(app.getHttpServer() as Server);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.send?.({ url });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error) => {
  process.stderr.write(`embedded bench server failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
