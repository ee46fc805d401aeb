/**
 * `command-distributed-postgres`: `command-distributed` (AddClient through the gateway, one process
 * per service over NATS) with the PostgreSQL stores: every service's events, read models and keys
 * in its schemas of one database created for the run and dropped after it, each store with a pool
 * of CLIENTELE_POSTGRES_POOL_SIZE connections. The same load, rounds and figures as the SQLite
 * deployment's (bench/scenarios/command.ts); floor: a raw nats.js request to a responder process
 * that appends one event with raw `pg` through the event store's own append function
 * (bench/servers/raw-pg-append-responder.ts) and answers.
 *
 * The deployment is this scenario's own (started and stopped here): the suite stops its shared
 * deployments before a scenario that needs none, so it never runs beside the SQLite one.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { targets } from '../lib/figures';
import { natsUrl } from '../lib/load';
import { probePostgres, withBenchDatabase } from '../lib/postgres';
import type { Scenario } from '../lib/scenario';
import { forkTs, processStats, startDistributed, stopChild, waitIdle } from '../lib/system';
import { addClientBody, addClientSide, compare } from './command';

/** Connections per store and process: 6 processes x 3 stores stay well inside a default max_connections of 100. */
const POOL_SIZE = 3;

export const commandDistributedPostgresScenario: Scenario = {
  name: 'command-distributed-postgres',
  title: 'AddClient through the gateway, one process per service over NATS, PostgreSQL stores: req/s, p50/p99 vs raw nats.js request/reply + raw pg append',
  async run(context) {
    const probe = await probePostgres('command-distributed-postgres');
    if ('skipped' in probe) {
      context.log(probe.skipped);
      return [];
    }
    return withBenchDatabase(probe.adminUrl, async ({ url }) => {
      const started = Date.now();
      const system = await startDistributed({ postgres: { url, poolSize: POOL_SIZE } });
      context.log(`  deployment (PostgreSQL stores, pools of ${POOL_SIZE}) healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // Undone in reverse order, whatever fails on the way.
      const cleanup: Array<() => unknown> = [() => system.stop()];
      try {
        await waitIdle(system, context.log);
        const { side, client } = await addClientSide(system);
        cleanup.push(() => client.close());
        const subject = `bench.raw-pg-append.${randomUUID()}`;
        const responder = await forkTs<string>('bench/servers/raw-pg-append-responder.ts', [subject, url, String(POOL_SIZE)], { NATS_URL: natsUrl() });
        cleanup.push(() => stopChild(responder.child));
        const nc = await connect({ servers: natsUrl() });
        cleanup.push(() => nc.close());
        const responderPid = responder.child.pid!;
        const encoder = new TextEncoder();
        const decoder = new TextDecoder();
        const figures = await compare(
          context,
          system,
          'command-distributed-postgres',
          side,
          {
            call: async (i) => {
              const envelope = { correlationId: randomUUID(), actor: { id: 'bench', accountId: 'bench', role: 'admin' }, data: addClientBody(`raw${i}`) };
              const reply = await nc.request(subject, encoder.encode(JSON.stringify(envelope)), { timeout: 5000 });
              const answer = JSON.parse(decoder.decode(reply.data)) as { ok: boolean; error?: string };
              if (!answer.ok) throw new Error(`raw pg append: ${answer.error}`);
            },
            cpuMs: () => processStats(responderPid).cpuMs,
          },
          'raw NATS request/reply + raw pg append',
          { targets: { p50: targets.latencyP50, p50OneInFlight: targets.distributedP50 } },
        );
        const rss = system.processes().map((p) => `${p.name} ${processStats(p.pid).peakRssMb.toFixed(0)}`);
        context.log(`  peak RSS per process (MB): ${rss.join(', ')}`);
        return figures;
      } finally {
        for (const undo of cleanup.reverse()) {
          await Promise.resolve()
            .then(undo)
            .catch((error: unknown) => context.log(`  (cleaning up: ${String(error)})`));
        }
      }
    });
  },
};
