/**
 * The HTTP(S) listener: bounded body read, JSON 1.1 decode, operation lookup, error mapping,
 * `/healthz`. The only place that knows the wire.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Core } from '../domain/core.ts';
import type { Principal } from '../domain/types.ts';
import { lookupOperation } from '../operations/index.ts';
import { KmsError, RequestEntityTooLargeException, SerializationException, UnknownOperationException } from '../shared/errors.ts';
import type { StsService } from '../auth/sts-service.ts';
import { handleClockRequest, type ClockControl } from './clock-control.ts';
import { handleSts, isStsRequest, stsErrorFrom, stsErrorXml } from './sts-wire.ts';
import { asKmsError, encodeResponse, errorBody } from './wire.ts';

/** Bigger than any valid KMS request (a 131072-character policy, JSON-escaped). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface RawRequest {
  method: string;
  rawPath: string;
  /** Repeated headers stay separate values (SigV4 joins them with ',', not Node's ', '). */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  sourceIp: string;
}

export interface Authenticator {
  /** Throws a KmsError (UnrecognizedClientException, InvalidSignatureException, …) when the caller cannot be identified. */
  authenticate(req: RawRequest, region: string, service?: string): Promise<Principal>;
}

export interface ServerDeps {
  core: Core;
  authenticator: Authenticator;
  region: string;
  tls?: { cert: Buffer; key: Buffer };
  log: (line: string) => void;
  clockControl?: ClockControl;
  sts?: StsService;
}

export interface TrentServer {
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Stops accepting, lets in-flight requests finish, then closes connections. */
  close(): Promise<void>;
  readonly inFlight: number;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createTrentServer(deps: ServerDeps): TrentServer {
  let inFlight = 0;
  let closing = false;

  function send(res: ServerResponse, status: number, requestId: string, body: Buffer, extra: Record<string, string> = {}) {
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': String(body.length),
      'x-amzn-RequestId': requestId,
      Date: new Date().toUTCString(),
      ...(closing ? { Connection: 'close' } : {}),
      ...extra,
    });
    res.end(body);
  }

  function sendError(res: ServerResponse, requestId: string, e: unknown, op: string) {
    const { error, internal } = asKmsError(e);
    if (internal) deps.log(`request ${requestId} ${op}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    send(res, error.status, requestId, errorBody(error), { 'x-amzn-ErrorType': error.code });
  }

  async function handleStsRequest(req: IncomingMessage, res: ServerResponse, requestId: string, sts: StsService): Promise<void> {
    const xml = (status: number, body: string) => send(res, status, requestId, Buffer.from(body), { 'Content-Type': 'text/xml' });
    try {
      const body = await readBody(req);
      const raw: RawRequest = { method: 'POST', rawPath: req.url ?? '/', headers: req.headersDistinct, body, sourceIp: req.socket.remoteAddress ?? '' };
      const principal = await deps.authenticator.authenticate(raw, deps.region, 'sts');
      const r = await handleSts(sts, principal, body, requestId);
      xml(r.status, r.xml);
    } catch (e) {
      const err = e instanceof BodyTooLarge ? { code: 'RequestEntityTooLarge', message: 'Request body too large', status: 413 } : stsErrorFrom(e);
      if (!err) {
        deps.log(`request ${requestId} sts: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        xml(500, stsErrorXml('InternalFailure', 'An internal error occurred.', requestId, 'Receiver'));
        return;
      }
      xml(err.status, stsErrorXml(err.code, err.message, requestId));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/healthz' || url === '/_trent/healthz')) {
      send(res, closing ? 503 : 200, requestId, Buffer.from(JSON.stringify({ status: closing ? 'closing' : 'ok' })));
      return;
    }
    if (url === '/_trent/clock' && deps.clockControl) {
      try {
        const r = await handleClockRequest(deps.clockControl, req.method ?? 'GET', await readBody(req));
        send(res, r.status, requestId, Buffer.from(JSON.stringify(r.body)), { 'Content-Type': 'application/json' });
      } catch (e) {
        sendError(res, requestId, e, 'clock');
      }
      return;
    }
    if (deps.sts && req.method === 'POST' && isStsRequest(req.headers)) {
      await handleStsRequest(req, res, requestId, deps.sts);
      return;
    }
    let op = '?';
    try {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (e) {
        if (e instanceof BodyTooLarge) throw new RequestEntityTooLargeException(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
        throw e;
      }
      if (req.method !== 'POST') throw new UnknownOperationException(`Method ${req.method} is not supported.`);
      const target = req.headers['x-amz-target'];
      const name = typeof target === 'string' && target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : undefined;
      const operation = name !== undefined ? lookupOperation(name) : undefined;
      if (!operation || name === undefined) throw new UnknownOperationException();
      op = name;
      const raw: RawRequest = { method: req.method, rawPath: url, headers: req.headersDistinct, body, sourceIp: req.socket.remoteAddress ?? '' };
      const principal = await deps.authenticator.authenticate(raw, deps.region);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new SerializationException('Malformed JSON in request body.');
      }
      // Tests only: adopt a clock move made on another node sharing the store.
      if (deps.clockControl) await deps.clockControl.sync();
      const out = await operation.run({ core: deps.core, call: { principal, region: deps.region, requestId, sourceIp: raw.sourceIp, secureTransport: deps.tls !== undefined } }, input);
      send(res, 200, requestId, encodeResponse(out));
    } catch (e) {
      sendError(res, requestId, e, op);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
    });
    handle(req, res).catch((e) => {
      deps.log(`unhandled: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendError(res, randomUUID(), e, '?');
      else res.destroy();
    });
  };

  const server = deps.tls ? https.createServer({ cert: deps.tls.cert, key: deps.tls.key }, listener) : http.createServer(listener);
  // Bounded waits: a slow client cannot hold a connection forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 200;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  return {
    get inFlight() {
      return inFlight;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address();
          resolve({ port: typeof addr === 'object' && addr ? addr.port : port });
        });
      });
    },
    close() {
      closing = true;
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const timer = setInterval(() => {
          server.closeIdleConnections();
          if (inFlight === 0) {
            clearInterval(timer);
            server.closeAllConnections();
          }
        }, 20);
        timer.unref();
      });
    },
  };
}

export { KmsError };
