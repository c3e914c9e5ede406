/**
 * Bounds at the connection level, below any request: how long a client may take to send its
 * headers and body or finish a TLS handshake, how many connections may be open at once, and the
 * answer a client gets when the HTTP layer refuses it — AWS-shaped JSON like every other error,
 * never an empty 400 or a socket left open.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

/** The server waits this long for a request's headers (idle new connections included) … */
export const HEADERS_TIMEOUT_MS = 10_000;
/** … this long for a whole request … */
export const REQUEST_TIMEOUT_MS = 30_000;
/** … and this long for a TLS client to finish its handshake. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How often Node checks the two request timeouts (its default, 30 s, let a slow client stay 40 s). */
export const CHECK_INTERVAL_MS = 1_000;
/** Default cap on open connections; past it a connection's first request gets ThrottlingException. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Past the cap by this many more, a connection is closed at once: the bound on open sockets. */
const HARD_OVERFLOW = 128;

/** Options for `http(s).createServer` that the limits need (they cannot be set afterwards). */
export function serverOptions(tls: boolean): { connectionsCheckingInterval: number; handshakeTimeout?: number } {
  return { connectionsCheckingInterval: CHECK_INTERVAL_MS, ...(tls ? { handshakeTimeout: HANDSHAKE_TIMEOUT_MS } : {}) };
}

/** One raw HTTP/1.1 answer with a JSON 1.1 error body, for errors raised below any request. */
export function rawErrorResponse(status: number, type: string, message: string): string {
  const body = JSON.stringify({ __type: type, message });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Connection: close\r\nContent-Type: application/x-amz-json-1.1\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\nx-amzn-RequestId: ${randomUUID()}\r\nx-amzn-ErrorType: ${type}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n\r\n${body}`
  );
}

/** What a client gets when Node's HTTP parser or timers refuse its request. */
export function clientErrorResponse(err: { code?: string }): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawErrorResponse(431, 'RequestHeaderFieldsTooLargeException', 'Request header fields too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawErrorResponse(408, 'RequestTimeoutException', 'The request was not received in time.');
    default:
      return rawErrorResponse(400, 'SerializationException', 'Malformed HTTP request.');
  }
}

export interface ConnectionLimits {
  /** True for a connection opened past the cap: its request is answered ThrottlingException, then it closes. */
  overCap(socket: object): boolean;
  readonly open: number;
  readonly max: number;
}

export function applyConnectionLimits(server: HttpServer | HttpsServer, o: { maxConnections?: number; tls: boolean }): ConnectionLimits {
  const max = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let open = 0;
  const over = new WeakSet<object>();
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 200;
  server.maxConnections = max + HARD_OVERFLOW;
  server.on('connection', (s: Duplex) => {
    open++;
    s.once('close', () => open--);
    if (!o.tls && open > max) over.add(s);
  });
  // With TLS the request arrives on the TLS socket; judge it once the handshake is done.
  if (o.tls) server.on('secureConnection', (s: Duplex) => (open > max ? over.add(s) : undefined));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end(clientErrorResponse(err));
  });
  server.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
  return {
    overCap: (s) => over.has(s),
    get open() {
      return open;
    },
    max,
  };
}
