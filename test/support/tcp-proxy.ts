/**
 * A loopback TCP proxy a test can break on purpose, to put a network between Trent and its
 * database: `down()` refuses connections and cuts the open ones (a stopped server), `silence()`
 * accepts but never answers and freezes the open ones (a hung server or a partition), `up()`
 * forwards again on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  up(): Promise<void>;
  down(): Promise<void>;
  silence(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'up' | 'silent' = 'up';
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const cutAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (mode === 'silent') return; // accepted, never answered
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const port = await listen(0);

  return {
    port,
    async up() {
      cutAll(); // frozen connections are of no use to anyone: their clients reconnect
      mode = 'up';
      if (!server.listening) {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    async down() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
    silence() {
      mode = 'silent';
      for (const s of open) {
        s.unpipe();
        s.pause();
      }
    },
    async close() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
  };
}
