/**
 * The roster at scale (issue 4), each figure next to a floor measured in the same run:
 *   npm run bench:roster            # full: 10,000-client bulk change and import, 100,000-client list
 *   BENCH_QUICK=1 npm run bench:roster
 *
 * - bulk type change and CSV import, in clients/s through the whole system in one process
 *   (HTTP -> gateway -> in-process bus -> clients service -> SQLite event store -> projection),
 *   against the raw event-store append rate: single-event appends with an exact expected revision
 *   on the same kind of file (SqliteEventStore, synchronous=FULL). Target: at least 0.30.
 * - the list query of GET /api/v1/clients (search + sort + page, and its count) on the read-model
 *   store of an account of 100,000 clients, against one indexed read of that store (a page of the
 *   same account in name order, straight from its index). Target: at most 3x.
 */
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUp, uniqueEmail } from '../test/support/http';
import { startInProcess } from '../test/support/in-process';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENTS = QUICK ? 500 : 10_000;
const LIST_CLIENTS = QUICK ? 2_000 : 100_000;
const RESULTS_FILE = join(__dirname, 'results.roster.json');

interface Figure {
  name: string;
  unit: string;
  value: number;
  floor: number;
  ratio: number;
  target: string;
}

async function rawAppendRate(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-raw-'));
  const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
  try {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await store.appendToStream(`client-${randomUUID()}`, [{ id: randomUUID(), type: 'ClientTypeChanged', data: { from: 'offline', to: 'full_access' } }], {
        expectedRevision: 'no_stream',
      });
    }
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const figures: Figure[] = [];
  const only = process.env.BENCH_ONLY; // 'writes' or 'list', to run one half
  const system = only === 'list' ? null : await startInProcess({ LOG_LEVEL: 'error' });
  if (system) try {
    const business = await signUp(system.api);

    // Import (also how the bulk scenario gets its clients).
    const csv = ['firstName,lastName,email,phone,type', ...Array.from({ length: CLIENTS }, (_, i) => `Client${i},Bench,${uniqueEmail(`c${i}`)},,offline`)].join('\n');
    const rawBeforeImport = await rawAppendRate(QUICK ? 200 : 2000);
    let started = process.hrtime.bigint();
    const imported = await business.admin.post('/api/v1/clients/import', csv, { 'content-type': 'text/csv' });
    const importSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (imported.body.created !== CLIENTS) throw new Error(`import created ${imported.body.created} of ${CLIENTS}`);
    const importRate = CLIENTS / importSeconds;
    figures.push({ name: `import-${CLIENTS}`, unit: 'clients/s', value: importRate, floor: rawBeforeImport, ratio: importRate / rawBeforeImport, target: '>= 0.30' });

    // Bulk type change of every client, 500 per request.
    const ids: string[] = [];
    for (let page = 1; ids.length < CLIENTS; page++) {
      const list = await business.admin.get(`/api/v1/clients?pageSize=100&page=${page}&sort=createdAt`);
      ids.push(...list.body.items.map((c: { id: string }) => c.id));
      if (list.body.items.length === 0) break;
    }
    const rawBeforeBulk = await rawAppendRate(QUICK ? 200 : 2000);
    started = process.hrtime.bigint();
    for (let i = 0; i < ids.length; i += 500) {
      const response = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: ids.slice(i, i + 500), type: 'full_access_one_way' });
      if (response.body.summary.changed !== Math.min(500, ids.length - i)) throw new Error(`bulk changed ${JSON.stringify(response.body.summary)}`);
    }
    const bulkRate = ids.length / (Number(process.hrtime.bigint() - started) / 1e9);
    figures.push({ name: `bulk-type-${CLIENTS}`, unit: 'changes/s', value: bulkRate, floor: rawBeforeBulk, ratio: bulkRate / rawBeforeBulk, target: '>= 0.30' });
  } finally {
    await system.stop();
  }

  // The list query over a large account, on a read-model store filled directly.
  if (only === 'writes') return report(figures);
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-list-'));
  const store = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });
  try {
    const { CLIENT_INDEXES, CLIENT_SEARCH_FIELDS } = await import('../libs/clients/service/src/read-models/clients.projection');
    const clients = store.collection('clients');
    await clients.ensureIndexes(CLIENT_INDEXES);
    await clients.ensureTextIndex(CLIENT_SEARCH_FIELDS);
    const accountId = randomUUID();
    const names = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John'];
    // Surnames from syllables, so that they look like names and share pieces the way names do.
    const syllables = ['an', 'ber', 'cor', 'dal', 'el', 'fen', 'gar', 'hol', 'ist', 'jon', 'kel', 'lov', 'mar', 'nor', 'ost', 'pel', 'quin', 'ros', 'sten', 'tor', 'ul', 'vik', 'wen', 'yar'];
    const surname = (n: number) => {
      const a = syllables[n % 24];
      const b = syllables[Math.floor(n / 24) % 24];
      const c = syllables[Math.floor(n / 576) % 24];
      const name = `${a}${b}${c}${n >= 13_824 ? syllables[Math.floor(n / 13_824) % 24] : ''}`;
      return name[0].toUpperCase() + name.slice(1);
    };
    for (let i = 0; i < LIST_CLIENTS; i += 1000) {
      await store.commit(
        Array.from({ length: Math.min(1000, LIST_CLIENTS - i) }, (_, j) => {
          const n = i + j;
          const firstName = names[n % names.length];
          const lastName = surname((n * 7919) % LIST_CLIENTS);
          return {
            op: 'upsert' as const,
            collection: 'clients',
            doc: {
              id: randomUUID(),
              accountId,
              firstName,
              lastName,
              email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}@example.com`,
              phone: null,
              type: ['full_access', 'full_access_one_way', 'offline'][n % 3],
              status: 'active',
              coachId: 'coach',
              createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
              lastActivityAt: null,
              firstNameKey: firstName.toLowerCase(),
              lastNameKey: lastName.toLowerCase(),
              version: 0,
            },
            version: 0,
          };
        }),
      );
    }
    // Part of one surname, as a coach would type it.
    const searchTerm = surname(Math.floor(LIST_CLIENTS / 3)).slice(1, 8).toLowerCase();
    const listQuery = async () => {
      // A coach looking for one person: part of a surname, as typed in the search box.
      const filter = { accountId, $or: CLIENT_SEARCH_FIELDS.map((f) => ({ [f]: { $contains: searchTerm } })) };
      const [page] = await Promise.all([clients.find(filter, { sort: [['lastNameKey', 1], ['firstNameKey', 1]], limit: 25 }), clients.count(filter)]);
      if (page.length === 0) throw new Error('the search found nobody');
    };
    const indexedRead = async () => {
      await clients.find({ accountId }, { sort: [['lastNameKey', 1], ['firstNameKey', 1]], skip: 50, limit: 25 });
    };
    const time = async (work: () => Promise<unknown>, reps: number) => {
      const samples: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t = process.hrtime.bigint();
        await work();
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      return median(samples);
    };
    await time(listQuery, 3);
    await time(indexedRead, 3);
    const listMs = await time(listQuery, QUICK ? 5 : 21);
    const readMs = await time(indexedRead, QUICK ? 5 : 21);
    figures.push({ name: `list-query-${LIST_CLIENTS}`, unit: 'ms (p50)', value: listMs, floor: readMs, ratio: listMs / readMs, target: '<= 3' });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  report(figures);
}

function report(figures: Figure[]): void {
  console.log(`roster benchmark${QUICK ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}: node ${process.version}`);
  for (const f of figures) {
    console.log(`${f.name.padEnd(22)} ${f.value.toFixed(f.unit.startsWith('ms') ? 2 : 0).padStart(10)} ${f.unit.padEnd(10)} floor ${f.floor.toFixed(f.unit.startsWith('ms') ? 3 : 0).padStart(9)}  ratio ${f.ratio.toFixed(2)} (target ${f.target})`);
  }
  writeFileSync(RESULTS_FILE, `${JSON.stringify(figures.map(({ target: _target, ...f }) => f), null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
