/**
 * `list-query`: the query behind GET /api/v1/clients with a search (part of one surname, as a
 * coach types it) + name sort + first page of 25, and its count (`findPage`, as the list route asks), on the clients read-model store
 * (SQLite document store, the clients service's own indexes and text index) of one account of
 * 100,000 clients; p50/p99. Floor: one indexed lookup in the same store (a 25-client page of the
 * same account in name order, straight from its index). The two alternate, call by call.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { CLIENT_INDEXES, CLIENT_SEARCH_FIELDS } from '../../libs/clients/service/src/read-models/clients.projection';
import { Figure, targets } from '../lib/figures';
import { pct } from '../lib/measure';
import type { Scenario } from '../lib/scenario';

const NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John'];
// Surnames from syllables, so that they look like names and share pieces the way names do.
const SYLLABLES = ['an', 'ber', 'cor', 'dal', 'el', 'fen', 'gar', 'hol', 'ist', 'jon', 'kel', 'lov', 'mar', 'nor', 'ost', 'pel', 'quin', 'ros', 'sten', 'tor', 'ul', 'vik', 'wen', 'yar'];
function surname(n: number): string {
  const a = SYLLABLES[n % 24];
  const b = SYLLABLES[Math.floor(n / 24) % 24];
  const c = SYLLABLES[Math.floor(n / 576) % 24];
  const name = `${a}${b}${c}${n >= 13_824 ? SYLLABLES[Math.floor(n / 13_824) % 24] : ''}`;
  return name[0].toUpperCase() + name.slice(1);
}

export const listQueryScenario: Scenario = {
  name: 'list-query',
  title: 'search + sort + page (and count) over 100,000 clients of one account, p50/p99 vs one indexed lookup in the same store',
  async run(context) {
    const size = context.quick ? 2_000 : 100_000;
    const samples = context.quick ? 30 : 301;
    const store = new SqliteDocumentStore({ filename: join(context.dir, 'read-models.sqlite') });
    try {
      const clients = store.collection('clients');
      await clients.ensureIndexes(CLIENT_INDEXES);
      await clients.ensureTextIndex(CLIENT_SEARCH_FIELDS);
      const accountId = randomUUID();
      const seeded = Date.now();
      for (let i = 0; i < size; i += 1000) {
        await store.commit(
          Array.from({ length: Math.min(1000, size - i) }, (_, j) => {
            const n = i + j;
            const firstName = NAMES[n % NAMES.length];
            const lastName = surname((n * 7919) % size);
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
      context.log(`  seeded ${size.toLocaleString('en-US')} clients in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
      // Part of one surname, as a coach would type it; a different one each time (64 in turn), so no
      // search finds the previous one's work in a cache.
      const terms = Array.from({ length: 64 }, (_, k) => surname(Math.floor((size * (k + 1)) / 67)).slice(1, 8).toLowerCase());
      let turn = 0;
      const filterFor = (term: string) => ({ accountId, $or: CLIENT_SEARCH_FIELDS.map((field) => ({ [field]: { $contains: term } })) });
      const sort: Array<[string, 1 | -1]> = [
        ['lastNameKey', 1],
        ['firstNameKey', 1],
      ];
      const found: number[] = [];
      const listQuery = async () => {
        const filter = filterFor(terms[turn++ % terms.length]);
        const { items, total } = await clients.findPage(filter, { sort, limit: 25 });
        if (items.length === 0) throw new Error('the search found nobody');
        found.push(total);
      };
      const indexedRead = async () => {
        await clients.find({ accountId }, { sort, skip: 50, limit: 25 });
      };
      const time = async (work: () => Promise<unknown>) => {
        const t = process.hrtime.bigint();
        await work();
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      for (let i = 0; i < 5; i++) {
        await time(listQuery);
        await time(indexedRead);
      }
      const list: number[] = [];
      const read: number[] = [];
      for (let i = 0; i < samples; i++) {
        list.push(await time(listQuery));
        read.push(await time(indexedRead));
      }
      context.log(
        `  ${terms.length} searches in turn ("${terms[0]}", "${terms[1]}", ...), matching ${Math.min(...found)} to ${Math.max(...found)} of ${size.toLocaleString('en-US')} clients; ${samples} samples each`,
      );
      const base = { scenario: 'list-query', unit: 'ms', better: 'lower' as const, floorIs: 'one indexed page read' };
      return [
        { ...base, name: `list-query-${size}-p50`, value: pct(list, 0.5), floor: pct(read, 0.5), target: targets.listP50 },
        { ...base, name: `list-query-${size}-p99`, value: pct(list, 0.99), floor: pct(read, 0.99), target: targets.listP99 },
      ] satisfies Figure[];
    } finally {
      await store.close();
    }
  },
};
