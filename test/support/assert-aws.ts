import assert from 'node:assert/strict';

/** Asserts that `p` rejects with AWS error `name` (the wire `__type`) and, if given, a message matching `message`. */
export async function rejectsWith(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (message !== undefined) {
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message ?? '', message);
    }
    assert.ok((err.$metadata?.httpStatusCode ?? 0) < 500, `client error expected, got HTTP ${err.$metadata?.httpStatusCode}`);
    return true;
  });
}
