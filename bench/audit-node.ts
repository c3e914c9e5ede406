/**
 * One Trent node for bench/audit.ts: SQLite, plain HTTP on loopback, with the durable audit
 * trail (what Trent does) or without it (the baseline it is measured against).
 *
 *   node --import tsx bench/audit-node.ts --data-dir <dir> --audit on|off|nosync
 *
 * `nosync` writes the records but skips fdatasync: what building and hashing records costs,
 * apart from durability (never a way to run Trent).
 */
import { parseArgs } from 'node:util';
import { createTrent } from '../src/app/create-trent.ts';
import { buildConfig } from '../src/config/config.ts';
import type { AuditFileOps } from '../src/audit/files.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, audit: { type: 'string' } }, strict: true });
const audit = values.audit ?? 'on';
if (audit !== 'on' && audit !== 'off' && audit !== 'nosync') throw new Error(`--audit must be on, off or nosync, got ${audit}`);
const config = buildConfig({ dataDir: values['data-dir'], port: 0, tls: false }, process.env);
const trent = await createTrent(config, { log: (l) => process.stderr.write(`${l}\n`), ...(audit === 'off' ? { audit: false as const } : {}),
  ...(audit === 'nosync'
    ? {
        wrapAuditFiles: (ops: AuditFileOps): AuditFileOps => ({
          syncDir: async () => {},
          openAppend: async (p) => ({ ...(await ops.openAppend(p)), datasync: async () => {} }),
        }),
      }
    : {}),
});
process.stdout.write(`listening on ${trent.url}\nready\n`);
process.on('SIGTERM', () => void trent.close().then(() => process.exit(0)));
