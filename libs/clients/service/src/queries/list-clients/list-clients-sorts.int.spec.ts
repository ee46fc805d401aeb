import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { CLIENTS } from '../../read-models/client-doc';
import { CLIENT_INDEXES } from '../../read-models/clients.projection';
import { CLIENT_LIST_SORTS } from './list-clients.message-controller';

/**
 * The list's sorts (issue 21 added e-mail and type) read an account's page from an index, on
 * SQLite as on the other stores (each builds CLIENT_INDEXES as its own indexes): the plan searches
 * the clients table by an index in the sort's order, never scanning it or sorting the account's
 * rows by the sort key in a temporary b-tree.
 */
describe('the client list sorts are served by indexes (SQLite plan)', () => {
  let store: SqliteDocumentStore;
  beforeAll(async () => {
    store = new SqliteDocumentStore({ filename: ':memory:' });
    await store.collection(CLIENTS).ensureIndexes(CLIENT_INDEXES);
  });
  afterAll(() => store.close());

  const planOf = async (sort: keyof typeof CLIENT_LIST_SORTS) => {
    const statements: string[] = [];
    const prepare = store.prepare.bind(store);
    const spy = jest.spyOn(store, 'prepare').mockImplementation(((sql: string) => (statements.push(sql), prepare(sql))) as typeof store.prepare);
    try {
      await store.collection(CLIENTS).find({ accountId: 'a1' }, { sort: CLIENT_LIST_SORTS[sort], skip: 0, limit: 25 });
    } finally {
      spy.mockRestore();
    }
    const select = statements.find((sql) => sql.startsWith('SELECT doc'))!;
    const rows = store.prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${select}`).all('a1', 25, 0);
    return rows.map((row) => row.detail).join('\n');
  };

  it.each(['email', '-email', 'type', '-type', 'name', '-name'] as const)('%s', async (sort) => {
    const plan = await planOf(sort);
    expect(plan).toMatch(/SEARCH \S+ USING INDEX/);
    // Only the last term, the id that breaks ties (compileSort), is sorted apart, as for the name sort.
    expect(plan.replace('USE TEMP B-TREE FOR LAST TERM OF ORDER BY', '')).not.toMatch(/SCAN|TEMP B-TREE/);
  });
});
