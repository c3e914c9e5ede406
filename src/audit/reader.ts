/**
 * Streaming reads of audit files: line by line (never a whole file in memory), one node's chain
 * in order, and every node's event records merged by time.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChainHead } from './chain.ts';
import { type ChainFile, listChains } from './files.ts';
import type { Usage } from './auditor.ts';
import type { CloudTrailRecord } from './record.ts';

export interface RawLine {
  file: ChainFile;
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

export async function* fileLines(file: ChainFile): AsyncGenerator<RawLine> {
  const rl = createInterface({ input: createReadStream(file.path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    yield { file, line: n, text };
  }
}

export interface EventEntry {
  node: string;
  seq: number;
  time: string;
  usage: Usage;
  record: CloudTrailRecord;
}

/** The event entries of one chain (lines that do not parse are skipped: `verify` is the judge). */
async function* chainEvents(files: ChainFile[]): AsyncGenerator<EventEntry> {
  for (const f of files) {
    for await (const l of fileLines(f)) {
      if (!l.text.includes('"kind":"event"')) continue;
      let e: ChainHead & { time?: string; usage?: Usage; record?: CloudTrailRecord };
      try {
        e = JSON.parse(l.text) as typeof e;
      } catch {
        continue;
      }
      if (e.kind !== 'event' || !e.record || typeof e.time !== 'string') continue;
      yield { node: e.node, seq: e.seq, time: e.time, usage: e.usage ?? { class: 'none' }, record: e.record };
    }
  }
}

/** Event records of every node in `dirs`, merged in time order (each chain is already in order). */
export async function* mergedEvents(dirs: readonly string[]): AsyncGenerator<EventEntry> {
  const its: AsyncGenerator<EventEntry>[] = [];
  for (const dir of dirs) for (const files of (await listChains(dir)).values()) its.push(chainEvents(files));
  const heads: (EventEntry | undefined)[] = await Promise.all(its.map(async (it) => (await it.next()).value ?? undefined));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.time < heads[best]!.time)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = (await its[best]!.next()).value ?? undefined;
  }
}
