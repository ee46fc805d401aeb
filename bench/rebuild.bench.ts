/**
 * Benchmark of `ops rebuild`: the clients read model rebuilt from a SQLite event store of N events
 * into the embedded read store, next to the sequential read rate of the same event store in the
 * same run (readAll in pages, the events parsed: what any replay must at least do).
 *
 *   npm run bench:rebuild                 # 250,000 and 1,000,000 events (a few minutes)
 *   BENCH_QUICK=1 npm run bench:rebuild   # smoke run for CI (seconds)
 *
 * The history: clients of 50 accounts, each stream a ClientAdded (personal data sealed with the
 * client's key, as the service stores it) and 9 type changes. Target: rebuild rate at least 50%
 * of the read rate, with peak memory flat as the event count grows. Results also go to
 * bench/results.rebuild.json.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientsProjections } from '@clientele/clients/service';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { NewEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { rebuildProjection } from '../apps/ops/src/rebuild/rebuild';
import { formatRate, formatTable } from './lib/measure';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(",").map(Number) : QUICK ? [5_000, 20_000] : [250_000, 1_000_000];
const EVENTS_PER_CLIENT = 10;
const TARGET = 0.5;
const TYPES = ['full_access', 'full_access_one_way', 'offline'] as const;

async function seed(dir: string, events: number): Promise<void> {
  const store = new SqliteEventStore({ filename: path.join(dir, 'events.sqlite') });
  const documents = new SqliteDocumentStore({ filename: path.join(dir, 'read-models.sqlite') });
  const cipher = new PersonalDataCipher(new KeyStore(documents));
  const clients = events / EVENTS_PER_CLIENT;
  const chunk = 500;
  for (let start = 0; start < clients; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, clients - start) }, () => randomUUID());
    await cipher.prepareKeys(ids);
    await Promise.all(
      ids.map(async (clientId, i) => {
        const n = start + i;
        const accountId = `account-${n % 50}`;
        const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
        const personal = await cipher.seal(clientId, { firstName: `First${n}`, lastName: `Last${n}`, email: `client${n}@example.com`, phone: null });
        const history: NewEvent[] = [
          {
            id: randomUUID(),
            type: 'ClientAdded',
            data: { clientId, accountId, type: 'offline', status: 'active', coachId: 'coach-1', source: 'manual', sendInvitation: false, appAccess: 'none', addedAt: at, addedBy: 'coach-1', personal },
            metadata: { occurredAt: at, actor: { id: 'coach-1', role: 'admin' } },
          },
        ];
        for (let k = 1; k < EVENTS_PER_CLIENT; k++) {
          const from = TYPES[(k + 1) % 3];
          const to = TYPES[k % 3];
          history.push({
            id: randomUUID(),
            type: 'ClientTypeChanged',
            data: { clientId, accountId, from, to, effect: 'messaging_policy', appAccess: to === 'offline' ? 'revoked' : 'invited', changedAt: at, changedBy: 'coach-1' },
            metadata: { occurredAt: at, actor: { id: 'coach-1', role: 'admin' } },
          });
        }
        await store.appendToStream(`client-${clientId}`, history, { expectedRevision: 'no_stream' });
      }),
    );
  }
  await store.close();
  await documents.close();
}

interface Row {
  events: number;
  readRate: number;
  rawRowRate: number;
  rebuildRate: number;
  ratio: number;
  peakRssMb: number;
  peakHeapMb: number;
}

async function measure(events: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-rebuild-bench-'));
  try {
    const seeded = Date.now();
    await seed(dir, events);
    console.log(`  seeded ${events.toLocaleString('en-US')} events in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    const store = new SqliteEventStore({ filename: path.join(dir, 'events.sqlite') });
    const documents = new SqliteDocumentStore({ filename: path.join(dir, 'read-models.sqlite') });

    // Floor 1: the event store's own sequential read, pages of 2,000 (the page size of a rebuild).
    let t = process.hrtime.bigint();
    let read = 0;
    let after: bigint | undefined;
    for (;;) {
      const page = await store.readAll({ after, maxCount: 2000, filter: { streamCategories: ['client'] } });
      if (page.length === 0) break;
      read += page.length;
      after = page[page.length - 1].position;
    }
    const readRate = read / (Number(process.hrtime.bigint() - t) / 1e9);

    // For context: iterating the rows with raw better-sqlite3, nothing parsed.
    const raw = new Database(path.join(dir, 'events.sqlite'), { readonly: true });
    t = process.hrtime.bigint();
    let rows = 0;
    for (const _row of raw.prepare('SELECT * FROM events ORDER BY position').iterate()) rows++;
    const rawRowRate = rows / (Number(process.hrtime.bigint() - t) / 1e9);
    raw.close();

    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    let peakHeap = 0;
    // Sampled after every batch: the replay is synchronous between batches, so timers would not run.
    const sample = () => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    };
    t = process.hrtime.bigint();
    const result = await rebuildProjection(store, documents, clientsProjections, { onProgress: sample });
    const rebuildRate = result.events / (Number(process.hrtime.bigint() - t) / 1e9);
    const docs = await documents.collection('clients').count();
    if (docs !== events / EVENTS_PER_CLIENT) throw new Error(`expected ${events / EVENTS_PER_CLIENT} clients after the rebuild, found ${docs}`);
    await store.close();
    await documents.close();
    return {
      events,
      readRate,
      rawRowRate,
      rebuildRate,
      ratio: rebuildRate / readRate,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
    };
  } finally {
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`  kept ${dir}`);
  }
}

async function main(): Promise<void> {
  console.log(`rebuild benchmark (clients projection, SQLite → embedded read store)${QUICK ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}: node ${process.version}, ${os.cpus().length} cores`);
  const results: Row[] = [];
  for (const size of SIZES) results.push(await measure(size));
  console.log(
    formatTable(
      ['events', 'read ev/s', 'raw rows/s', 'rebuild ev/s', 'rebuild/read', 'peak RSS MB', 'peak heap MB'],
      results.map((r) => [
        r.events.toLocaleString('en-US'),
        formatRate(r.readRate),
        formatRate(r.rawRowRate),
        formatRate(r.rebuildRate),
        `${r.ratio.toFixed(2)}${r.ratio < TARGET ? ' (below target 0.50)' : ''}`,
        r.peakRssMb.toFixed(0),
        r.peakHeapMb.toFixed(0),
      ]),
    ),
  );
  fs.writeFileSync(path.join(__dirname, 'results.rebuild.json'), JSON.stringify({ quick: QUICK, node: process.version, results }, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
