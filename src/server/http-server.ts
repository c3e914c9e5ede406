/**
 * The HTTP(S) listener: bounded body read, JSON 1.1 decode, operation lookup, error mapping,
 * `/healthz`. The only place that knows the wire.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Kms, RequestScope } from '../domain/execute.ts';
import { lookupOperation, type Operation } from '../operations/index.ts';
import type { Principal } from '../domain/types.ts';
import { KmsError, RequestEntityTooLargeException, SerializationException, ThrottlingException, UnknownOperationException } from '../shared/errors.ts';
import type { Authenticator, RawRequest } from '../auth/authenticator.ts';
import type { StsService } from '../auth/sts-service.ts';
import type { Auditor, RequestAudit } from '../audit/auditor.ts';
import type { KeyStore } from '../domain/ports.ts';
import { handleClockRequest, type ClockControl } from './clock-control.ts';
import { applyConnectionLimits, serverOptions } from './connection-limits.ts';
import { handleSts, isStsRequest, STS_AUDIT_SPEC, stsAction, stsErrorFrom, stsErrorXml, stsTraits } from './sts-wire.ts';
import { asKmsError, encodeResponse, errorBody } from './wire.ts';

/** Bigger than any valid KMS request (a 131072-character policy, JSON-escaped). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDeps {
  /** The one door to keys: every KMS operation runs through `kms.execute`. */
  kms: Kms;
  authenticator: Authenticator;
  region: string;
  /** The Regions requests may be signed for (default: only `region`); each request runs in its own. */
  acceptsRegion?: (region: string) => boolean;
  tls?: { cert: Buffer; key: Buffer };
  log: (line: string) => void;
  clockControl?: ClockControl;
  sts?: StsService;
  /**
   * The audit trail: a durable record per request before its response leaves (absent: no audit,
   * benchmarks only), and where AssumeRole writes a session once the request's write-ahead entry
   * is durable.
   */
  audit?: { auditor: Auditor; sessionStore: (scope: RequestScope) => Pick<KeyStore, 'putAccessKey'> };
  /** `GET /metrics` and per-request counters. */
  metrics?: ServerMetrics;
  /** false: count requests but do not answer `GET /metrics` here (served elsewhere, or not at all). */
  metricsRoute?: boolean;
  /** One structured line per request (operation, outcome, latency, principal, keys; never a body). */
  requestLog?: (fields: Record<string, unknown>) => void;
  /** Open connections allowed at once (default DEFAULT_MAX_CONNECTIONS); past it, ThrottlingException. */
  maxConnections?: number;
}

export interface ServerMetrics {
  observeRequest(operation: string, code: string, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** The audit record of a failed request could not be written: the caller gets KMSInternalException. */
function auditFailure(e: unknown): Error {
  return new Error(`audit record not written, request refused: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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
        // Stop reading but keep the socket: the 413 goes out, then the connection closes.
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // The client went away mid-body: its fault, not an internal error (no one hears the answer).
    req.on('error', () => reject(new SerializationException('The request body was not received completely.')));
  });
}

/** The Date header's text, formatted once per second rather than once per response. */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

export function createTrentServer(deps: ServerDeps): TrentServer {
  let inFlight = 0;
  let closing = false;

  function send(res: ServerResponse, status: number, requestId: string, body: Buffer, extra: Record<string, string> = {}) {
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': String(body.length),
      'x-amzn-RequestId': requestId,
      Date: httpDate(),
      // After a 413 the rest of the body is still on the wire: close rather than read it.
      ...(closing || status === 413 ? { Connection: 'close' } : {}),
      ...extra,
    });
    res.end(body);
  }

  function sendError(res: ServerResponse, requestId: string, e: unknown, op: string) {
    const { error, internal } = asKmsError(e);
    if (internal) deps.log(`request ${requestId} ${op}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    send(res, error.status, requestId, errorBody(error), { 'x-amzn-ErrorType': error.code });
  }

  /** The request's audit record, begun before a byte of it is read (absent without an audit trail). */
  function beginAudit(req: IncomingMessage, requestId: string, eventSource: 'kms.amazonaws.com' | 'sts.amazonaws.com'): RequestAudit | undefined {
    return deps.audit?.auditor.begin({ requestId, eventSource, sourceIp: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'], authorization: req.headers.authorization });
  }

  /**
   * Settles the record of a request that failed, with the error the caller will get; returns the
   * error to answer with: an internal one when the record could not be written (fail closed).
   */
  async function failAudited(audit: RequestAudit | undefined, e: unknown, answer: { code: string; message: string }): Promise<unknown> {
    if (!audit || audit.settled) return e;
    try {
      await audit.fail(answer);
      return e;
    } catch (ae) {
      return auditFailure(ae);
    }
  }

  /** Verifies the signature: the caller, for `execute` and the audit record. */
  async function authenticate(req: IncomingMessage, body: Buffer, audit: RequestAudit | undefined, service?: 'sts'): Promise<{ principal: Principal; region: string; sourceIp: string }> {
    const raw: RawRequest = { method: req.method ?? 'POST', rawPath: req.url ?? '/', headers: req.headersDistinct, body, sourceIp: req.socket.remoteAddress ?? '' };
    const { principal, region } = await deps.authenticator.authenticate(raw, deps.acceptsRegion ?? deps.region, service);
    audit?.authenticated(principal, region);
    return { principal, region, sourceIp: raw.sourceIp };
  }

  /** The body, bounded; a body past the bound is the error AWS gives. */
  async function readKmsBody(req: IncomingMessage): Promise<Buffer> {
    try {
      return await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLarge) throw new RequestEntityTooLargeException(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
      throw e;
    }
  }

  /** The operation the request names (X-Amz-Target: TrentService.<Operation>). */
  function operationOf(req: IncomingMessage): { name: string; operation: Operation } {
    if (req.method !== 'POST') throw new UnknownOperationException(`Method ${req.method} is not supported.`);
    const target = req.headers['x-amz-target'];
    const name = typeof target === 'string' && target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : undefined;
    const operation = name !== undefined ? lookupOperation(name) : undefined;
    if (!operation || name === undefined) throw new UnknownOperationException();
    return { name, operation };
  }

  function parseJson(body: Buffer): unknown {
    try {
      return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new SerializationException('Malformed JSON in request body.');
    }
  }

  /**
   * The answer's bytes. The audit record is built from the output before its blobs are zeroed
   * (encodeResponse), and is durable before a byte of the answer leaves: if it cannot be written,
   * the caller gets KMSInternalException instead.
   */
  async function encodeAudited(output: Record<string, unknown>, audit: RequestAudit | undefined): Promise<Buffer> {
    const durable = audit?.succeed(output);
    try {
      return encodeResponse(output);
    } finally {
      if (durable) await durable;
    }
  }

  /** A KMS request: decode → authenticate → execute → encode, its audit record around it. */
  async function handleKms(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const started = performance.now();
    const audit = beginAudit(req, requestId, 'kms.amazonaws.com');
    let op = 'Unknown';
    let code = 'OK';
    try {
      const body = await readKmsBody(req);
      const { name, operation } = operationOf(req);
      op = name;
      audit?.names(name, operation.traits, operation.input);
      const caller = await authenticate(req, body, audit);
      const input = parseJson(body);
      if (audit) audit.input = input;
      // Tests only: adopt a clock move made on another node sharing the store.
      if (deps.clockControl) await deps.clockControl.sync();
      const { output } = await deps.kms.execute(operation, input, { ...caller, requestId, secureTransport: deps.tls !== undefined }, audit);
      send(res, 200, requestId, await encodeAudited(output as Record<string, unknown>, audit));
    } catch (e) {
      const { error } = asKmsError(e);
      const err = await failAudited(audit, e, { code: error.code, message: error.message });
      code = asKmsError(err).error.code;
      sendError(res, requestId, err, op);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      deps.metrics?.observeRequest(op, code, seconds);
      deps.requestLog?.({ requestId, operation: op, code, ms: Math.round(seconds * 1e4) / 10, principal: audit?.principal?.arn, keys: audit ? [...audit.touched.values()].map((k) => k.arn) : undefined });
    }
  }

  /** An STS request (query protocol, XML answers) on the same endpoint, audited alike. */
  async function handleStsRequest(req: IncomingMessage, res: ServerResponse, requestId: string, sts: StsService): Promise<void> {
    const xml = (status: number, body: string) => send(res, status, requestId, Buffer.from(body), { 'Content-Type': 'text/xml' });
    const started = performance.now();
    const audit = beginAudit(req, requestId, 'sts.amazonaws.com');
    let action = 'Unknown';
    let code = 'OK';
    try {
      const body = await readBody(req);
      action = stsAction(body);
      audit?.names(action, stsTraits(action), STS_AUDIT_SPEC);
      if (audit) audit.input = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const caller = await authenticate(req, body, audit, 'sts');
      const r = await handleSts(sts, caller.principal, body, requestId, audit && deps.audit?.sessionStore(audit), caller.sourceIp);
      if (audit) {
        audit.stsResponse = r.responseElements;
        await audit.succeed({});
      }
      xml(r.status, r.xml);
    } catch (e) {
      const known = e instanceof BodyTooLarge ? { code: 'RequestEntityTooLarge', message: 'Request body too large', status: 413 } : stsErrorFrom(e);
      const failure = await failAudited(audit, e, known ?? { code: 'InternalFailure', message: 'An internal error occurred.' });
      const err = failure === e ? known : undefined;
      if (!err) {
        code = 'InternalFailure';
        deps.log(`request ${requestId} sts: internal error: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
        xml(500, stsErrorXml('InternalFailure', 'An internal error occurred.', requestId, 'Receiver'));
        return;
      }
      code = err.code;
      xml(err.status, stsErrorXml(err.code, err.message, requestId));
    } finally {
      deps.metrics?.observeRequest(`sts:${action}`, code, (performance.now() - started) / 1000);
    }
  }

  /** Routes: health, metrics and the test clock; STS; everything else is the KMS API. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/healthz' || url === '/_trent/healthz')) {
      send(res, closing ? 503 : 200, requestId, Buffer.from(JSON.stringify({ status: closing ? 'closing' : 'ok' })));
      return;
    }
    if (req.method === 'GET' && url === '/metrics' && deps.metrics && deps.metricsRoute !== false) {
      try {
        const m = await deps.metrics.render();
        send(res, 200, requestId, Buffer.from(m.body), { 'Content-Type': m.contentType });
      } catch (e) {
        sendError(res, requestId, e, 'metrics');
      }
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
    if (deps.sts && req.method === 'POST' && isStsRequest(req.headers)) return handleStsRequest(req, res, requestId, deps.sts);
    return handleKms(req, res, requestId);
  }

  /** A connection past the cap: one clear, retryable error (the SDKs back off on it), then close. */
  async function refuseOverCap(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req).catch(() => undefined);
    const requestId = randomUUID();
    deps.metrics?.observeRequest('Unknown', 'ThrottlingException', 0);
    const e = new ThrottlingException(`Too many connections: Trent serves at most ${limits.max} at once. Retry later.`);
    send(res, e.status, requestId, errorBody(e), { 'x-amzn-ErrorType': e.code, Connection: 'close' });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
    });
    (limits.overCap(req.socket) ? refuseOverCap(req, res) : handle(req, res)).catch((e) => {
      deps.log(`unhandled: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendError(res, randomUUID(), e, '?');
      else res.destroy();
    });
  };

  const server = deps.tls
    ? https.createServer({ cert: deps.tls.cert, key: deps.tls.key, ...serverOptions(true) }, listener)
    : http.createServer(serverOptions(false), listener);
  // Bounded waits and a bounded number of connections: a slow or greedy client cannot hold
  // the server; refusals at the HTTP level are AWS-shaped JSON too (connection-limits.ts).
  const limits = applyConnectionLimits(server, { tls: deps.tls !== undefined, ...(deps.maxConnections !== undefined ? { maxConnections: deps.maxConnections } : {}) });

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
