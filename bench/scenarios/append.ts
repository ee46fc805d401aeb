/**
 * `append`: events/s appended through the event store port (SqliteEventStore), single events and
 * batches of 10, each with an exact expected revision as a command handler appends; beside the
 * raw floor (better-sqlite3, prepared INSERTs in a BEGIN IMMEDIATE transaction, same table and
 * indexes, same pragmas) and the peer (emmett-sqlite appendToStream with an exact expected
 * version). Each side writes its own file in one temp dir; the sides alternate repetition by
 * repetition; medians.
 */
import { join } from 'node:path';
import { NewEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { Figure, targets } from '../lib/figures';
import { AppendCase, appendWorkload, categoryOf, countRows, makeEvent, openRaw, portAppendSide, rawInsert, streamNames } from '../lib/fixtures';
import { interleaved, Prepare, SideResult } from '../lib/measure';
import { loadPeer, peerDurability, peerRetries, PeerStore, quietPeer, withPeerRetry } from '../lib/peer';
import type { Scenario, ScenarioContext } from '../lib/scenario';

export const appendScenario: Scenario = {
  name: 'append',
  title: 'events/s appended (single, batch of 10) vs raw better-sqlite3 insert in a transaction, and emmett-sqlite appendToStream',
  async run(context) {
    const q = context.quick;
    const reps = q ? { warmups: 1, reps: 2 } : { warmups: 2, reps: 7 };
    const cases: AppendCase[] = [
      { name: 'append-single', calls: q ? 40 : 500, streams: q ? 10 : 100, batch: 1 },
      { name: 'append-batch-10', calls: q ? 10 : 200, streams: q ? 5 : 50, batch: 10 },
      // One stream that grows to thousands of events: any per-append cost that grows with it shows.
      { name: 'append-single-long-stream', calls: q ? 40 : 500, streams: 1, batch: 1 },
    ];
    const peer = await loadPeer();
    if ('skipped' in peer) context.log(peer.skipped);
    const figures: Figure[] = [];
    for (const c of cases) {
      const result = await measureCase(context, c, reps, 'emmett' in peer ? peer.emmett.getSQLiteEventStore : undefined);
      context.log(
        `  ${c.name}: ${c.calls} calls of ${c.batch} event(s) over ${c.streams} stream(s); median ms ours ${ms(result.ours)}, raw ${ms(result.raw)}` +
          (result.peer ? `, emmett ${ms(result.peer)}` : ''),
      );
      figures.push({
        scenario: 'append',
        name: c.name,
        unit: 'events/s',
        value: result.ours.rate,
        floor: result.raw.rate,
        floorIs: 'raw better-sqlite3',
        better: 'higher',
        ...(result.peer ? { peer: result.peer.rate } : {}),
        target: result.peer ? targets.portRateWithPeer : targets.portRate,
      });
    }
    if ('emmett' in peer && peerRetries.busy > 0) context.log(`  emmett-sqlite: ${peerRetries.busy} append(s) failed with SQLITE_BUSY (statements in progress at COMMIT) and were retried, inside its timed runs`);
    if ('emmett' in peer) context.log(`  durability: every append on disk before it is answered. Raw: WAL + synchronous=FULL (the fsync inside COMMIT); ours: WAL + NORMAL, then the WAL fsynced before answering (WalSync: inline while one caller is alone, as here; on the fsync thread, shared, when commits overlap); emmett ${await peerDurability(join(context.dir, 'append-single.peer.sqlite'))} (its connection's defaults)`);
    return figures;
  },
};

const ms = (side: SideResult) => `${(side.medianNs / 1e6).toFixed(1)}`;

async function measureCase(
  context: ScenarioContext,
  c: AppendCase,
  reps: { warmups: number; reps: number },
  getPeerStore?: (options: { fileName: string }) => PeerStore,
): Promise<{ ours: SideResult; raw: SideResult; peer?: SideResult }> {
  const oursFile = join(context.dir, `${c.name}.ours.sqlite`);
  const rawFile = join(context.dir, `${c.name}.raw.sqlite`);
  const peerFile = join(context.dir, `${c.name}.peer.sqlite`);
  const store = new SqliteEventStore({ filename: oursFile });
  const db = openRaw(rawFile);
  const insert = rawInsert(db);
  const peerStore = getPeerStore?.({ fileName: peerFile });

  // Streams exist before timing (created with their first event), so every timed append carries
  // an exact expected revision, tracked from the previous append's answer.
  const ours = await portAppendSide(store, c);
  const rawAppend = db.transaction((stream: string, revision: number, events: readonly NewEvent[]) => {
    const recordedAt = new Date().toISOString();
    const category = categoryOf(stream);
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      insert.run(event.id, stream, category, revision + 1 + i, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata ?? {}), recordedAt);
    }
  });
  const rawStreams = streamNames('r', c.streams);
  const rawRevision = new Map<string, number>();
  for (const stream of rawStreams) {
    rawAppend.immediate(stream, -1, [makeEvent(stream)]);
    rawRevision.set(stream, 0);
  }
  const peerStreams = streamNames('p', c.streams);
  const peerVersion = new Map<string, bigint>();
  if (peerStore) {
    for (const stream of peerStreams) {
      const event = toPeerEvent(makeEvent(stream));
      const r = await quietPeer(() => withPeerRetry(() => peerStore.appendToStream(stream, [event], { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' })));
      peerVersion.set(stream, r.nextExpectedStreamVersion);
    }
  }

  // Events are made before timing; only the appends are timed.
  const workload = (streams: readonly string[]) => appendWorkload(streams, c);

  const sides: Record<string, Prepare> = {
    ours,
    raw: () => {
      const work = workload(rawStreams);
      return () => {
        for (const { stream, events } of work) {
          const revision = rawRevision.get(stream)!;
          rawAppend.immediate(stream, revision, events);
          rawRevision.set(stream, revision + events.length);
        }
      };
    },
  };
  if (peerStore) {
    sides.peer = () => {
      const work = workload(peerStreams).map(({ stream, events }) => ({ stream, events: events.map(toPeerEvent) }));
      return () =>
        quietPeer(async () => {
          for (const { stream, events } of work) {
            const r = await withPeerRetry(() => peerStore.appendToStream(stream, events, { expectedStreamVersion: peerVersion.get(stream)! }));
            peerVersion.set(stream, r.nextExpectedStreamVersion);
          }
        });
    };
  }
  try {
    const result = await interleaved({ ...reps, units: c.calls * c.batch, sides });
    return { ours: result.ours, raw: result.raw, peer: result.peer };
  } finally {
    await store.close();
    db.close();
    // Every side must have written the same number of events.
    const counts = [countRows(oursFile), countRows(rawFile), ...(peerStore ? [countRows(peerFile, 'emt_messages')] : [])];
    if (new Set(counts).size !== 1) throw new Error(`${c.name}: the sides wrote different numbers of events: ${counts.join(', ')}`);
  }
}

/** The same event for emmett: type, data, and our metadata (emmett adds its own fields to it). */
export function toPeerEvent(event: NewEvent): { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> } {
  return { type: event.type, data: event.data, metadata: { ...event.metadata } };
}
