import { Client } from 'pg';
import { createTestDatabase, planPostgres, skipSuite } from './index';

/**
 * The suites' hold on the shared PostgreSQL server: every suite holds it shared while it has a
 * database, and a test that holds a transaction open on purpose (which hides every other suite's
 * new events) runs `exclusively`, once the other suites are done.
 */
const plan = planPostgres('PostgreSQL test-database suite');

if (plan.kind === 'skip') {
  describe('test databases', () => skipSuite(plan));
} else {
  describe('test databases on a shared server', () => {
    it('runs exclusive work only once no other suite holds the server, and lets the others in after', async () => {
      // A lock of this test's own: the suites running beside it in CI hold the real one.
      const SERVER_IN_USE_LOCK = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
      const create = () => createTestDatabase(plan.adminUrl, { serverLock: SERVER_IN_USE_LOCK });
      const database = await create();
      // Another suite, in another process: its own connection holding the server shared.
      const otherSuite = new Client({ connectionString: plan.adminUrl });
      await otherSuite.connect();
      const events: string[] = [];
      try {
        await otherSuite.query('SELECT pg_advisory_lock_shared($1)', [SERVER_IN_USE_LOCK]);
        const exclusive = database.exclusively(async () => void events.push('exclusive work'));
        // Held back while the other suite runs: nothing ran after a while.
        await new Promise((resolve) => setTimeout(resolve, 300));
        events.push('other suite ends');
        await otherSuite.query('SELECT pg_advisory_unlock_shared($1)', [SERVER_IN_USE_LOCK]);
        await exclusive;
        expect(events).toEqual(['other suite ends', 'exclusive work']);
        // Released: another suite gets its hold at once.
        await otherSuite.query('SET lock_timeout = 5000');
        await expect(otherSuite.query('SELECT pg_advisory_lock_shared($1)', [SERVER_IN_USE_LOCK])).resolves.toBeDefined();
        // A second database of the same suite shares its hold (no second request to queue behind an exclusive one).
        const second = await create();
        await second.drop();
      } finally {
        await otherSuite.end();
        await database.drop();
      }
    }, 60_000);
  });
}
