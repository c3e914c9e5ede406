/**
 * The shape of the code (docs/architecture.md), checked on the source itself: dependencies point
 * one way, and no path to the store or the keyring goes around `execute`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

/** Every relative import of every source file, as paths under src/ ("server/http-server.ts"). */
function imports(): { files: Map<string, string>; edges: Edge[] } {
  const files = new Map<string, string>();
  const edges: Edge[] = [];
  for (const abs of sources(SRC)) {
    const from = relative(SRC, abs);
    const text = readFileSync(abs, 'utf8');
    files.set(from, text);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      edges.push({ from, to: relative(SRC, resolve(dirname(abs), m[1]!)) });
    }
  }
  return { files, edges };
}

const folder = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '.');

const { files, edges } = imports();

test('the lower layers never import the layers above them', () => {
  // Pure and domain code: what a front door, the wiring or an operator command is, they never know.
  const lower = new Set(['shared', 'crypto', 'format', 'policy', 'domain', 'storage', 'keyring']);
  const upper = new Set(['server', 'app', 'cli', 'operations', 'audit', 'auth', 'scheduler', 'seed', 'metrics', 'config']);
  const wrong = edges.filter((e) => lower.has(folder(e.from)) && upper.has(folder(e.to))).map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(wrong, []);
});

test('shared/, crypto/, format/ and policy/ import nothing but each other (shared below all)', () => {
  const allowed: Record<string, string[]> = { shared: ['shared'], crypto: ['crypto', 'shared'], format: ['format', 'shared'], policy: ['policy', 'shared'] };
  const wrong = edges.filter((e) => allowed[folder(e.from)] && !allowed[folder(e.from)]!.includes(folder(e.to))).map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(wrong, []);
});

test('authentication does not depend on the server', () => {
  assert.deepEqual(edges.filter((e) => folder(e.from) === 'auth' && folder(e.to) === 'server').map((e) => `${e.from} → ${e.to}`), []);
});

test('the server reaches the domain only through execute (and the types it speaks)', () => {
  const allowed = new Set(['domain/execute.ts', 'domain/operation.ts', 'domain/ports.ts', 'domain/types.ts', 'domain/controlled-clock.ts']);
  const wrong = edges.filter((e) => folder(e.from) === 'server' && folder(e.to) === 'domain' && !allowed.has(e.to)).map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(wrong, []);
});

test('outside the domain, nothing reads or writes keys through the store or the keyring of the domain', () => {
  // The wiring (app/) builds the store and hands it over; storage/ is the store.
  const exempt = new Set(['domain', 'app', 'storage']);
  const wrong: string[] = [];
  for (const [path, text] of files) {
    if (exempt.has(folder(path))) continue;
    for (const m of text.matchAll(/\bcore\??\.(store|keyring)\b/g)) wrong.push(`${path}: ${m[0]}`);
  }
  assert.deepEqual(wrong, []);
});

test('no folder imports another in a cycle', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = folder(e.from);
    const b = folder(e.to);
    if (a !== b && a !== '.' && b !== '.') (graph.get(a) ?? graph.set(a, new Set()).get(a)!).add(b);
  }
  const cycles: string[] = [];
  for (const [a, outs] of graph) for (const b of outs) if (graph.get(b)?.has(a) && a < b) cycles.push(`${a} ⇄ ${b}`);
  assert.deepEqual(cycles, []);
});

test('no file imports itself through others (type imports included)', () => {
  const out = new Map<string, string[]>();
  for (const e of edges) (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    state.set(f, 'open');
    for (const g of out.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...path.slice(path.indexOf(g)), g].join(' → '));
      else if (!state.has(g)) visit(g, [...path, g]);
    }
    state.set(f, 'done');
  };
  for (const f of files.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});
