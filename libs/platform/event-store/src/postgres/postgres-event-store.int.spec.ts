import { UnavailableError } from '@clientele/platform/core';
import { planPostgres, skipSuite, useTestDatabase } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { NewEvent, RecordedEvent } from '../event-store.port';
import { EventStoreContractOptions, eventStoreContract, waitFor } from '../testing/event-store.contract';
import { PostgresEventStore, appendInTransaction } from './postgres-event-store';
import { decodePostgresPosition } from './postgres-position';

/**
 * The contract suite and PostgreSQL's own cases against a real server: POSTGRES_URL, else the
 * local one (postgres://postgres@127.0.0.1:5432/postgres). Each run creates a database of its own
 * and drops it afterwards.
 */
const plan = planPostgres('PostgreSQL event store suite');

if (plan.kind === 'skip') {
  describe('PostgreSQL event store', () => skipSuite(plan));
} else {
  const database = useTestDatabase(plan);

  const open = (schema: string, options: Partial<Parameters<typeof PostgresEventStore.open>[0]> = {}) =>
    PostgresEventStore.open({ connectionString: database().url, schema, poolSize: 8, pollIntervalMs: 50, ...options });

  /** An append written in a transaction of its own connection, left open until commit or rollback. */
  const holdOpenAppend =
    (schema: string): EventStoreContractOptions['holdOpenAppend'] =>
    async (_store, streamName, events) => {
      const client = new Client({ connectionString: database().url });
      await client.connect();
      try {
        await client.query('BEGIN');
        const result = await appendInTransaction(client, schema, streamName, events, 'any');
        return {
          commit: async () => {
            try {
              await client.query('COMMIT');
              return result;
            } finally {
              await client.end();
            }
          },
          rollback: async () => {
            await client.query('ROLLBACK').finally(() => client.end());
          },
        };
      } catch (error) {
        await client.end();
        throw error;
      }
    };

  eventStoreContract('PostgreSQL', () => open('contract'), { holdOpenAppend: holdOpenAppend('contract') });

  describe('PostgreSQL event store', () => {
    let category: string;
    beforeEach(() => {
      category = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });
    const stream = () => `${category}-${randomUUID()}`;
    const event = (type = 'SomethingHappened', data: Record<string, unknown> = {}): NewEvent => ({ id: randomUUID(), type, data });

    describe('overlapping transactions', () => {
      it('keeps an event whose transaction is still open out of readAll, the head and subscriptions, and shows it first once it commits', async () => {
        const store = await open('overlap', { headWaitMs: 200 });
        try {
          const filter = { streamCategories: [category] };
          const start = await store.appendToStream(stream(), [event('Before')], { expectedRevision: 'no_stream' });
          const held = await holdOpenAppend('overlap')!(store, stream(), [event('Early')]);
          let late;
          try {
            late = await store.appendToStream(stream(), [event('Late')], { expectedRevision: 'no_stream' });
            // Committed, but behind an open transaction: no reader may move past it yet.
            expect(await store.readAll({ after: start.position, filter })).toEqual([]);
            expect((await store.headPosition()) ?? 0n).toBeLessThan(late.position);
          } catch (error) {
            await held.rollback();
            throw error;
          }
          const early = await held.commit();
          expect(early.position).toBeLessThan(late.position);
          // Other transactions of the shared server may hold the horizon back a moment longer.
          await waitFor(async () => (await store.readAll({ after: start.position, filter })).length === 2, 15_000);
          expect((await store.readAll({ after: start.position, filter })).map((e) => e.type)).toEqual(['Early', 'Late']);
          await waitFor(async () => (await store.headPosition()) === late.position, 15_000);
        } finally {
          await store.close();
        }
      });

      it('answers a head that covers everything committed before the call, once the older transaction commits', async () => {
        const store = await open('overlap');
        try {
          const held = await holdOpenAppend('overlap')!(store, stream(), [event('Early')]);
          let late;
          let head;
          try {
            late = await store.appendToStream(stream(), [event('Late')], { expectedRevision: 'no_stream' });
            head = store.headPosition();
          } catch (error) {
            await held.rollback();
            throw error;
          }
          await held.commit();
          expect(await head).toBe(late.position);
        } finally {
          await store.close();
        }
      });
    });

    it(
      'gives 4 concurrent writers of 500 events each one strictly increasing order, read and delivered exactly once',
      async () => {
        const reader = await open('stress', { pollIntervalMs: 1000 });
        const writers = await Promise.all(Array.from({ length: 4 }, () => open('stress', { poolSize: 2 })));
        const seen: RecordedEvent[] = [];
        const subscription = reader.subscribeToAll((e) => void seen.push(e), { filter: { streamCategories: [category] } });
        try {
          await Promise.all(
            writers.map(async (writer) => {
              // Ten streams per writer, appended in turn, each with two connections busy at once.
              const streams = Array.from({ length: 10 }, () => ({ name: stream(), revision: -1 }));
              for (let round = 0; round < 25; round++) {
                await Promise.all(
                  [0, 1].map(async (lane) => {
                    for (const s of streams.filter((_, i) => i % 2 === lane)) {
                      const batch = [event('Stress'), event('Stress')];
                      const result = await writer.appendToStream(s.name, batch, { expectedRevision: s.revision === -1 ? 'no_stream' : s.revision });
                      s.revision = result.nextExpectedRevision;
                    }
                  }),
                );
              }
            }),
          );
          const all = await reader.readAll({ filter: { streamCategories: [category] } });
          expect(all).toHaveLength(2000);
          expect(new Set(all.map((e) => e.id)).size).toBe(2000);
          assertIncreasing(all);
          // Transactions did overlap: the sequence numbers were not taken in transaction order everywhere.
          const inversions = all.filter((e, i) => i > 0 && decodePostgresPosition(e.position).sequence < decodePostgresPosition(all[i - 1].position).sequence).length;
          process.stdout.write(`PostgreSQL stress: 2000 events by 4 writers, ${inversions} sequence inversions between transactions\n`);

          await waitFor(() => seen.length >= 2000, 120_000);
          expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
        } finally {
          await subscription.stop();
          await Promise.all([reader, ...writers].map((s) => s.close()));
        }
      },
      240_000,
    );

    describe('schema and migrations', () => {
      it('migrates safely when two replicas start at once, and again when one restarts', async () => {
        const schema = `m_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        const [a, b] = await Promise.all([open(schema), open(schema)]);
        const c = await open(schema);
        try {
          await a.appendToStream(stream(), [event()], { expectedRevision: 'no_stream' });
          expect(await c.readAll({ filter: { streamCategories: [category] } })).toHaveLength(1);
          const versions = await sql<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
          expect(versions.map((r) => r.version)).toEqual([1]);
        } finally {
          await Promise.all([a, b, c].map((s) => s.close()));
        }
      });

      it('refuses to start on a schema a newer version migrated', async () => {
        const schema = `m_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        await (await open(schema)).close();
        await sql(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (999, 'from the future')`);
        await expect(open(schema)).rejects.toThrow(/at version 999, newer than this Clientele knows/);
      });

      it('refuses to start on events restored from another cluster, whose transaction ids this server has not reached', async () => {
        const schema = `m_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        await (await open(schema)).close();
        // What pg_restore into a younger cluster leaves: rows stamped with transaction ids ahead of the server's.
        await sql(
          `INSERT INTO ${schema}.events (transaction_id, event_id, stream_name, category, revision, type, data, metadata)
           VALUES ((pg_snapshot_xmax(pg_current_snapshot())::text::numeric + 4294967296)::text::xid8, 'restored', 'client-1', 'client', 0, 'ClientAdded', '{}', '{}')`,
        );
        await expect(open(schema)).rejects.toThrow(/restored from another cluster with pg_dump.*pg_resetwal --epoch=/);
      });

      it('keeps each service in its own schema', async () => {
        const one = await open('svc_one');
        const two = await open('svc_two');
        try {
          const name = stream();
          await one.appendToStream(name, [event()], { expectedRevision: 'no_stream' });
          expect(await two.readStream(name)).toEqual([]);
          await two.appendToStream(name, [event(), event()], { expectedRevision: 'no_stream' });
          expect(await one.readStream(name)).toHaveLength(1);
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it('refuses a schema name it cannot use safely', async () => {
        await expect(open('Robert"; DROP TABLE x; --')).rejects.toThrow(/cannot be a PostgreSQL schema name/);
      });
    });

    it('orders readAll by transaction id as a number, not as its text: 99 before 100, and paging skips neither', async () => {
      const store = await open('xid_order');
      try {
        // Events of transactions 99 and 100 (older than any running one, so visible). As text,
        // "100" sorts before "99": a reader paging after the first would never see 99.
        const row = (transactionId: string, type: string) =>
          sql(
            `INSERT INTO xid_order.events (transaction_id, event_id, stream_name, category, revision, type, data, metadata)
             VALUES ($1::xid8, $2, $3, $4, 0, $5, '{}', '{}')`,
            [transactionId, randomUUID(), stream(), category, type],
          );
        await row('100', 'Hundred');
        await row('99', 'NinetyNine');
        const filter = { streamCategories: [category] };
        const first = await store.readAll({ maxCount: 1, filter });
        const rest = await store.readAll({ after: first[0].position, filter });
        expect([...first, ...rest].map((e) => e.type)).toEqual(['NinetyNine', 'Hundred']);
      } finally {
        await store.close();
      }
    });

    it('round-trips data that jsonb would refuse (a NUL character) and keeps key order', async () => {
      const store = await open('contract');
      try {
        const name = stream();
        const data = { z: 'first', a: 'nul \u0000 inside', n: 1.5 };
        await store.appendToStream(name, [event('Odd', data)], { expectedRevision: 'no_stream' });
        const [read] = await store.readStream(name);
        expect(read.data).toEqual(data);
        expect(Object.keys(read.data)).toEqual(['z', 'a', 'n']);
      } finally {
        await store.close();
      }
    });

    describe('waking subscribers', () => {
      it('wakes a subscriber of another process with NOTIFY, long before its next poll', async () => {
        const subscriberSide = await open('contract', { pollIntervalMs: 60_000, applicationName: 'es-listener-test' });
        const writerSide = await open('contract');
        const seen: string[] = [];
        const subscription = subscriberSide.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: [category] } });
        try {
          // The subscription has read (nothing) and now waits on LISTEN.
          await waitFor(async () => (await listeners('es-listener-test')) === 1, 15_000);
          await writerSide.appendToStream(stream(), [event('Notified')], { expectedRevision: 'no_stream' });
          await waitFor(() => seen.length === 1, 15_000);
          expect(seen).toEqual(['Notified']);
        } finally {
          await subscription.stop();
          await Promise.all([subscriberSide.close(), writerSide.close()]);
        }
      }, 60_000);

      it('delivers an event hidden by a long transaction of the cluster within a second of its end, not a poll interval later', () =>
        // It hides other suites' events for as long as it holds its transaction: alone on the server.
        database().exclusively(async () => {
          const subscriberSide = await open('contract', { pollIntervalMs: 60_000, applicationName: 'es-hidden-test' });
          const writerSide = await open('contract');
          const seen: string[] = [];
          const subscription = subscriberSide.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: [category] } });
          // A subscription that ended on an error says so, instead of a bare timeout below.
          let ended: unknown = null;
          subscription.done.catch((error) => (ended = error ?? 'ended'));
          // The subscription has read (nothing) and waits on LISTEN: the append's NOTIFY wakes it
          // (on a loaded machine, an append before the LISTEN went unheard, and the subscriber slept
          // its whole 60 s interval: a red CI run).
          await waitFor(async () => (await listeners('es-hidden-test')) === 1, 15_000);
          // Any transaction of the cluster that holds an id hides what commits after it began (the
          // events' positions are transaction ids): here one in another database, open for 12 s.
          const blocker = new Client({ connectionString: database().url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
          await blocker.connect();
          try {
            await blocker.query('BEGIN');
            await blocker.query('SELECT pg_current_xact_id()');
            const hidden = stream();
            await writerSide.appendToStream(hidden, [event('Hidden')], { expectedRevision: 'no_stream' });
            await new Promise((resolve) => setTimeout(resolve, 12_000));
            expect(seen).toEqual([]);
            await blocker.query('COMMIT');
            // Other suites' transactions may hide it a while longer: measure from the moment it is
            // visible to a reader, which is when the subscriber can first see it.
            await waitFor(
              async () =>
                (
                  await sql<{ visible: boolean }>(
                    `SELECT EXISTS (SELECT 1 FROM contract.events WHERE stream_name = $1 AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS visible`,
                    [hidden],
                  )
                )[0].visible,
              60_000,
            );
            const visibleAt = Date.now();
            await waitFor(() => {
              if (ended) throw new Error(`the subscription ended: ${String(ended)}`);
              return seen.length === 1;
            }, 15_000);
            // Doubling waits without a bound would be asleep for about 8 s more by now.
            expect(Date.now() - visibleAt).toBeLessThan(5_000);
          } finally {
            await blocker.end().catch(() => undefined);
            await subscription.stop();
            await Promise.all([subscriberSide.close(), writerSide.close()]);
          }
        }),
        420_000,
      );

      it('delivers an event that was hidden at its read and became visible just after, without sleeping a whole interval', () =>
        // It hides other suites' events for as long as it holds its transaction: alone on the server.
        database().exclusively(async () => {
          const subscriberSide = await open('contract', { pollIntervalMs: 60_000 });
          const writerSide = await open('contract');
          const blocker = new Client({ connectionString: database().url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
          await blocker.connect();
          const seen: string[] = [];
          let subscription: ReturnType<typeof subscriberSide.subscribeToAll> | undefined;
          try {
            await blocker.query('BEGIN');
            await blocker.query('SELECT pg_current_xact_id()');
            const hidden = stream();
            await writerSide.appendToStream(hidden, [event('HiddenAtRead')], { expectedRevision: 'no_stream' });
            // The older transaction ends at the worst moment: after the subscriber's first read (which
            // could not see the event), before it asks whether anything is still hidden.
            const pool = (subscriberSide as unknown as { pool: { query: (...args: unknown[]) => Promise<unknown> } }).pool;
            const query = pool.query.bind(pool);
            let reads = 0;
            let ended = false;
            pool.query = async (...args: unknown[]) => {
              const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
              if (/ORDER BY events\.transaction_id, events\.seq/.test(text)) reads++;
              if (/AS hidden/.test(text) && reads === 1 && !ended) {
                ended = true;
                await blocker.query('COMMIT');
                // Other suites' transactions may hide it a while longer: until it shows to a reader.
                await waitFor(
                  async () =>
                    (
                      (await query(
                        `SELECT EXISTS (SELECT 1 FROM contract.events WHERE stream_name = $1 AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS visible`,
                        [hidden],
                      )) as { rows: Array<{ visible: boolean }> }
                    ).rows[0].visible,
                  60_000,
                );
              }
              return query(...(args as [never]));
            };
            subscription = subscriberSide.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: [category] } });
            await waitFor(() => ended, 15_000);
            // Asleep for the 60 s interval, it would not be seen within this.
            await waitFor(() => seen.length === 1, 15_000);
            expect(seen).toEqual(['HiddenAtRead']);
          } finally {
            await blocker.end().catch(() => undefined);
            await subscription?.stop();
            await Promise.all([subscriberSide.close(), writerSide.close()]);
          }
        }),
        420_000,
      );

      it('still delivers by polling while its LISTEN connection is gone, and survives its connections being terminated', async () => {
        const subscriberSide = await open('contract', { pollIntervalMs: 200, applicationName: 'es-terminated-test' });
        const writerSide = await open('contract');
        const seen: string[] = [];
        const subscription = subscriberSide.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: [category] } });
        try {
          await waitFor(async () => (await listeners('es-terminated-test')) === 1, 15_000);
          await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'es-terminated-test' AND pid <> pg_backend_pid()`);
          await writerSide.appendToStream(stream(), [event('Polled')], { expectedRevision: 'no_stream' });
          // The subscription's read may meet a terminated connection and stop: the caller restarts it.
          const outcome = await Promise.race([waitFor(() => seen.length === 1, 15_000).then(() => 'delivered'), subscription.done.then(() => 'ended', () => 'ended')]);
          if (outcome === 'ended') {
            await expect(subscription.done).rejects.toBeInstanceOf(UnavailableError);
          } else {
            expect(seen).toEqual(['Polled']);
          }
          // Whatever the pool held was replaced: the store answers again.
          await waitFor(async () => subscriberSide.ping().then(() => true, () => false), 15_000);
        } finally {
          await subscription.stop();
          await Promise.all([subscriberSide.close(), writerSide.close()]);
        }
      }, 60_000);
    });

    it('answers unavailable, not a crash, when the server cannot be reached', async () => {
      const unreachable = new URL(database().url);
      unreachable.port = '1';
      await expect(PostgresEventStore.open({ connectionString: unreachable.toString(), schema: 'contract' })).rejects.toBeInstanceOf(UnavailableError);
    });

    /** Connections LISTENing under that application name. */
    async function listeners(applicationName: string): Promise<number> {
      const rows = await sql<{ count: string }>(
        `SELECT count(*) AS count FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
        [applicationName],
      );
      return Number(rows[0].count);
    }
  });

  async function sql<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
    const client = new Client({ connectionString: database().url });
    await client.connect();
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      await client.end();
    }
  }
}

function assertIncreasing(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].position > events[i - 1].position)) {
      throw new Error(`positions do not grow at index ${i}: ${events[i - 1].position} then ${events[i].position}`);
    }
  }
}
