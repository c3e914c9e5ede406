/**
 * `--metrics-port`: `GET /metrics` on a listener of its own (plain HTTP, loopback unless
 * `--metrics-host` says otherwise), so the KMS endpoint need not serve it. Prometheus scrapes
 * without SigV4 and AWS KMS has no such endpoint: it is kept apart from the API by choice, and
 * answers nothing but `GET /metrics` (404 otherwise).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: MetricsSource, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: this listener serves GET /metrics only\n');
      return;
    }
    metrics.render().then(
      (m) => res.writeHead(200, { 'Content-Type': m.contentType }).end(m.body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const h = a.address.includes(':') ? `[${a.address}]` : a.address;
  return {
    url: `http://${h}:${a.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
