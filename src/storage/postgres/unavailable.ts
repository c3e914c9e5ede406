/**
 * The one error a PostgreSQL store raises when the database cannot be reached. It carries a
 * stable `code` so the domain can answer DependencyTimeoutException / KMSInternalException
 * without knowing which adapter is behind the port; `timedOut` says the database did not answer
 * in time (connect or statement timeout) rather than refusing or dropping the connection.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  readonly timedOut: boolean;

  constructor(message: string, options?: { cause?: unknown; timedOut?: boolean }) {
    super(`store unavailable: ${message}`, options);
    this.name = 'StoreUnavailableError';
    this.timedOut = options?.timedOut ?? false;
  }
}

/** Socket-level failures: the server is down, unreachable, or dropped us. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOENT']);

/**
 * SQLSTATEs that mean "no usable connection" rather than "your statement was wrong":
 * class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now),
 * 53300 (too many connections), 3D000 (the store's database is gone), 57014 (cancelled by the
 * store's statement_timeout), 25P03 (idle-in-transaction timeout).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '3D000' || code === '57014' || code === '25P03';
}

/** Failures that mean "the database did not answer in time". */
const TIMEOUT_MESSAGES = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'Query read timeout', 'timeout expired'];

function isTimeout(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (code === 'ETIMEDOUT' || code === '57014' || code === '25P03') return true;
  if (e instanceof AggregateError && e.errors.some(isTimeout)) return true;
  return TIMEOUT_MESSAGES.some((m) => e.message.startsWith(m)) || (e.cause !== undefined && isTimeout(e.cause));
}

/** Messages node-postgres uses for a dead or timed-out connection (it sets no code on these). */
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Query read timeout',
  'timeout expired',
];

export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof StoreUnavailableError) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)))) return true;
  if (e instanceof AggregateError && e.errors.some(isUnavailable)) return true;
  return PG_CLIENT_MESSAGES.some((m) => e.message.startsWith(m));
}

/** Leaves every other error as it is: a constraint or syntax error is a bug, not an outage. */
export function toStoreError(e: unknown): unknown {
  if (e instanceof StoreUnavailableError || !isUnavailable(e)) return e;
  return new StoreUnavailableError((e as Error).message || (e as { code?: string }).code || 'connection failed', { cause: e, timedOut: isTimeout(e) });
}
