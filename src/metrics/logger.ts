/**
 * Structured logs: JSON lines on stderr, in pino's shape (`level` as a number, `time` in epoch
 * milliseconds, the bindings, the fields, `msg`), written synchronously so a line is out before a
 * crash. What goes in is chosen at each call site — operation, outcome, request id, principal
 * ARN, key ARNs, durations — never a request or response body; the redaction below is a second
 * line of defence should a body ever be passed. `TRENT_LOG_LEVEL` (default info; `debug` adds
 * one line per request).
 *
 * This was pino until start-up was measured: loading it cost ~16 ms of the ~300 ms from `trent
 * serve` to ready, for the three calls Trent makes.
 */
import { writeSync } from 'node:fs';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type Level = keyof typeof LEVELS;

/** Members whose values never reach a log line: at the top level, or one object down. */
const SECRET_MEMBERS = new Set(['Plaintext', 'CiphertextBlob', 'SecretAccessKey', 'secretAccessKey', 'SessionToken', 'sessionToken', 'PrivateKeyPlaintext', 'Signature', 'Mac', 'GrantToken']);
const BODY_MEMBERS = new Set(['body', 'input', 'output']);
const CENSOR = '[redacted]';

type LogFn = {
  (msg: string): void;
  (fields: Record<string, unknown>, msg?: string): void;
};

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  isLevelEnabled(level: Level): boolean;
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (BODY_MEMBERS.has(k) || SECRET_MEMBERS.has(k)) out[k] = CENSOR;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner: Record<string, unknown> = {};
      for (const [ik, iv] of Object.entries(v as Record<string, unknown>)) inner[ik] = SECRET_MEMBERS.has(ik) ? CENSOR : iv;
      out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** Something to Atomics.wait on: a synchronous pause between retries. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes the whole line to stderr, synchronously. A pipe whose reader is slow answers EAGAIN
 * (Node may leave it non-blocking): wait a millisecond and retry, up to a second; a line that still
 * cannot be written is dropped — a log line never fails a request.
 */
function writeStderr(line: string): void {
  let buf = Buffer.from(line, 'utf8');
  const deadline = Date.now() + 1000;
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(2, buf));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}
export function createLogger(level: string = process.env.TRENT_LOG_LEVEL ?? 'info', bindings: Record<string, unknown> = {}, write: (line: string) => void = writeStderr): Logger {
  const threshold = LEVELS[level as Level] ?? LEVELS.info;
  const base = { service: 'trent', ...bindings };
  const at = (name: Level): LogFn => {
    const n = LEVELS[name];
    return ((a: string | Record<string, unknown>, msg?: string) => {
      if (n < threshold) return;
      const fields = typeof a === 'string' ? {} : redact(a);
      const text = typeof a === 'string' ? a : msg;
      const entry = { level: n, time: Date.now(), ...base, ...fields, ...(text !== undefined ? { msg: text } : {}) };
      let json: string;
      try {
        json = JSON.stringify(entry);
      } catch {
        // A circular or BigInt field: the line without the fields, rather than an exception.
        json = JSON.stringify({ level: n, time: entry.time, ...base, fieldsOmitted: 'not serializable', ...(text !== undefined ? { msg: text } : {}) });
      }
      write(`${json}\n`);
    }) as LogFn;
  };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    isLevelEnabled: (l) => LEVELS[l] >= threshold,
  };
}
