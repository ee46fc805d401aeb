/**
 * `aggregate`: streams/s loaded and folded, 20 events each, read in a shuffled order from 1,000
 * streams whose events are interleaved in the log (as real traffic writes them).
 * - ours: what the command handler does to load an aggregate (handleCommand): readStream, then
 *   each recorded event mapped to the decider's event (awaited, as the codec path is) and folded;
 * - raw floor: the same rows with raw better-sqlite3 (`SELECT * ... WHERE stream_name = ? ORDER BY
 *   revision`), data and metadata JSON.parse'd, the same fold; same file as ours;
 * - peer: emmett-sqlite aggregateStream with the same evolve, on its own file holding the same
 *   events written through emmett's own append code.
 */
import { join } from 'node:path';
import { domainEvent } from '@clientele/platform/application';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { Figure, targets } from '../lib/figures';
import { evolveClient, FoldedClient, initialClient, makeEvent, openRaw, RawRow, streamNames, streamReads } from '../lib/fixtures';
import { interleaved, Prepare } from '../lib/measure';
import { loadPeer, quietPeer, withPeerRetry } from '../lib/peer';
import type { Scenario } from '../lib/scenario';
import { toPeerEvent } from './append';

const STREAM_LENGTH = 20;

export const aggregateScenario: Scenario = {
  name: 'aggregate',
  title: `streams/s loaded and folded (${STREAM_LENGTH} events each) vs raw SELECT of the same rows, and emmett-sqlite aggregateStream`,
  async run(context) {
    const q = context.quick;
    const streamCount = q ? 100 : 1000;
    const reads = q ? 200 : 2000;
    const reps = q ? { warmups: 1, reps: 3 } : { warmups: 2, reps: 7 };
    const file = join(context.dir, 'aggregate.sqlite');
    const store = new SqliteEventStore({ filename: file });
    const streams = streamNames('a', streamCount);
    const peer = await loadPeer();
    if ('skipped' in peer) context.log(peer.skipped);
    const peerFile = join(context.dir, 'aggregate.peer.sqlite');
    const peerStore = 'emmett' in peer ? peer.emmett.getSQLiteEventStore({ fileName: peerFile }) : undefined;

    // The same events for both files, interleaved: 20 rounds of one event per stream.
    const seeded = Date.now();
    const peerConnection = 'emmett' in peer ? peer.emmett.sqliteConnection({ fileName: peerFile }) : undefined;
    if (peerConnection && 'emmett' in peer) await peer.emmett.createEventStoreSchema(peerConnection);
    for (let round = 0; round < STREAM_LENGTH; round++) {
      const batch = streams.map((stream) => ({ stream, event: makeEvent(stream) }));
      await Promise.all(batch.map(({ stream, event }) => store.appendToStream(stream, [event], { expectedRevision: round === 0 ? 'no_stream' : round - 1 })));
      if (peerConnection && 'emmett' in peer) {
        // emmett's own append code, in one transaction per round (its connection nests them).
        const { emmett } = peer;
        await quietPeer(() =>
          withPeerRetry(() =>
            peerConnection.withTransaction(async () => {
              for (const { stream, event } of batch) {
                await emmett.appendToStream(peerConnection, stream, 'client', [toPeerEvent(event)], { expectedStreamVersion: BigInt(round) });
              }
            }),
          ),
        );
      }
    }
    peerConnection?.close();
    context.log(`  seeded ${streamCount} streams x ${STREAM_LENGTH} events (interleaved) in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

    const db = openRaw(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const byStream = db.prepare<[string], RawRow>('SELECT * FROM events WHERE stream_name = ? ORDER BY revision ASC');
    const folded = streamReads(streams, reads, STREAM_LENGTH);
    const { order, expectLength } = folded;
    const sides: Record<string, Prepare> = {
      ours: (rep) => {
        const names = order(rep);
        return async () => {
          for (const name of names) {
            const history = await store.readStream(name);
            let state = initialClient();
            for (const recorded of history) state = evolveClient(state, await decode(recorded));
            expectLength(state);
          }
        };
      },
      raw: (rep) => {
        const names = order(rep);
        return () => {
          for (const name of names) {
            const rows = byStream.all(name);
            let state = initialClient();
            for (const row of rows) {
              JSON.parse(row.metadata);
              state = evolveClient(state, { type: row.type, data: JSON.parse(row.data) as Record<string, unknown> });
            }
            expectLength(state);
          }
        };
      },
    };
    if (peerStore) {
      sides.peer = (rep) => {
        const names = order(rep);
        return async () => {
          for (const name of names) {
            const { state } = await peerStore.aggregateStream<FoldedClient, { type: string; data: Record<string, unknown> }>(name, {
              evolve: evolveClient,
              initialState: initialClient,
            });
            expectLength(state);
          }
        };
      };
    }
    try {
      const result = await interleaved({ ...reps, units: reads, sides });
      context.log(
        `  ${reads} stream loads; median ms ours ${(result.ours.medianNs / 1e6).toFixed(1)}, raw ${(result.raw.medianNs / 1e6).toFixed(1)}` +
          (result.peer ? `, emmett ${(result.peer.medianNs / 1e6).toFixed(1)}` : '') +
          ` (checksum ${folded.checksum})`,
      );
      return [
        {
          scenario: 'aggregate',
          name: `aggregate-${STREAM_LENGTH}`,
          unit: 'streams/s',
          value: result.ours.rate,
          floor: result.raw.rate,
          floorIs: 'raw SELECT + JSON.parse',
          better: 'higher',
          ...(result.peer ? { peer: result.peer.rate } : {}),
          target: result.peer ? targets.portRateWithPeer : targets.portRate,
        } satisfies Figure,
      ];
    } finally {
      db.close();
      await store.close();
    }
  },
};

/** handleCommand's default decode: the recorded event as the decider sees it, awaited. */
async function decode(recorded: Parameters<typeof domainEvent>[0]): Promise<{ type: string; data: Record<string, unknown> }> {
  return domainEvent<{ type: string; data: Record<string, unknown> }>(recorded);
}
