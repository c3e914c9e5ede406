/**
 * Structured logs (pino, JSON lines on stderr). What goes in is chosen at each call site —
 * operation, outcome, request id, principal ARN, key ARNs, durations — never a request or
 * response body; the redact paths are a second line of defence should a body ever be passed.
 * `TRENT_LOG_LEVEL` (default info; `debug` adds one line per request).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.TRENT_LOG_LEVEL ?? 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'trent', ...bindings },
      redact: {
        paths: ['*.Plaintext', '*.CiphertextBlob', '*.SecretAccessKey', '*.secretAccessKey', '*.SessionToken', '*.sessionToken', '*.PrivateKeyPlaintext', '*.Signature', '*.Mac', '*.GrantToken', 'body', 'input', 'output'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
