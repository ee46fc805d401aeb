/**
 * The two halves of the `rebuild` scenario, each in a fresh process so that its peak RSS is its
 * own (forked by bench/scenarios/rebuild.ts):
 *
 *   rebuild-child.ts seed <dir> <events>      writes the history, sends { seconds }
 *   rebuild-child.ts measure <dir> <events>   reads and rebuilds, sends the figures
 *   rebuild-child.ts both <dir> <events>      both in one process (the smoke run)
 *
 * The history: clients of 50 accounts, each stream one ClientAdded (personal data sealed with the
 * client's key, as the clients service stores it) and nine ClientTypeChanged. The live clients
 * collection has the service's indexes and text index, so the swap at the end builds them again on
 * the rebuilt table, as it does in production.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientsProjections } from '@clientele/clients/service';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { rebuildProjection } from '../../apps/ops/src/rebuild/rebuild';
import { CLIENT_INDEXES, CLIENT_SEARCH_FIELDS } from '../../libs/clients/service/src/read-models/clients.projection';
import { EVENTS_PER_CLIENT, RawRow, seedClientHistories } from '../lib/fixtures';
import { median } from '../lib/measure';
import { PAGE_SIZE, portReadRate, runRebuildChild } from '../lib/rebuild-child-main';

export interface RebuildFigures {
  events: number;
  /** Raw better-sqlite3, pages of 2,000 by position, data and metadata JSON.parse'd (median of 3: two before the rebuild, one after). */
  rawReadRate: number;
  /** The same rows iterated without parsing, for context. */
  rawUnparsedRate: number;
  /** The event store port: readAll in pages of 2,000 (what a replay calls); median of 2, interleaved with the raw reads. */
  portReadRate: number;
  rebuildRate: number;
  /** RSS before the rebuild, its peak during it (sampled after every batch), and the process's high-water mark. */
  baseRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  hwmRssMb: number;
}

async function seed(dir: string, events: number): Promise<void> {
  const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
  const documents = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });
  const cipher = new PersonalDataCipher(new KeyStore(documents));
  // The live collection has what the clients service gives it at start-up: its indexes and its
  // text index, which the rebuild's swap builds again on the new table.
  await documents.collection('clients').ensureIndexes(CLIENT_INDEXES);
  await documents.collection('clients').ensureTextIndex(CLIENT_SEARCH_FIELDS);
  await seedClientHistories(store, cipher, events);
  await store.close();
  await documents.close();
}

const seconds = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
const mb = (bytes: number) => bytes / 2 ** 20;

function hwmRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

async function measure(dir: string, events: number): Promise<RebuildFigures> {
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore({ filename: file });
  const documents = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });

  // Floor: raw better-sqlite3, the same pages by position, every row's data and metadata parsed.
  const raw = new Database(file, { readonly: true });
  raw.defaultSafeIntegers(false);
  const page = raw.prepare<[number, number], RawRow>('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?');
  const rawRead = () => {
    const t = process.hrtime.bigint();
    let rows = 0;
    for (let after = 0; ; ) {
      const batch = page.all(after, PAGE_SIZE);
      if (batch.length === 0) break;
      for (const row of batch) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      rows += batch.length;
      after = batch[batch.length - 1].position;
    }
    if (rows !== events) throw new Error(`read ${rows} rows, ${events} expected`);
    return rows / seconds(t);
  };
  // The port: readAll in pages of 2,000 with the category filter, as the replay calls it.
  const portRead = () => portReadRate(store, events);
  // Interleaved, since the machine is shared: raw, port, raw, port; the rebuild; raw once more.
  const rawRates = [rawRead()];
  const portRates = [await portRead()];
  rawRates.push(rawRead());
  portRates.push(await portRead());
  let t = process.hrtime.bigint();
  let unparsed = 0;
  for (const _row of raw.prepare('SELECT * FROM events ORDER BY position').iterate()) unparsed++;
  const rawUnparsedRate = unparsed / seconds(t);

  global.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  let peakHeap = 0;
  // Sampled after every batch: the replay is synchronous between batches, so a timer would not run.
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  t = process.hrtime.bigint();
  // The bench seeds the keys into the read-model store itself (one file), so it is the key store too.
  const result = await rebuildProjection(store, documents, documents, clientsProjections, { onProgress: sample });
  const rebuildRate = result.events / seconds(t);
  const hwm = hwmRssMb();
  const docs = await documents.collection('clients').count();
  if (docs !== events / EVENTS_PER_CLIENT) throw new Error(`expected ${events / EVENTS_PER_CLIENT} clients after the rebuild, found ${docs}`);
  rawRates.push(rawRead());
  raw.close();
  await store.close();
  await documents.close();
  return {
    events,
    rawReadRate: median(rawRates),
    rawUnparsedRate,
    portReadRate: median(portRates),
    rebuildRate,
    baseRssMb: mb(baseRss),
    peakRssMb: mb(peakRss),
    peakHeapMb: mb(peakHeap),
    hwmRssMb: hwm,
  };
}

runRebuildChild({ seed, measure });
