/**
 * Data and raw-SQLite helpers shared by the store scenarios (append, aggregate, rebuild).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent, SQLITE_EVENT_STORE_SCHEMA } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';
import type { Prepare } from './measure';

/** The event store's own pragmas (SqliteEventStore): WAL, synchronous=FULL. */
export const EVENT_STORE_PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'FULL',
  busy_timeout: 5000,
  journal_size_limit: 64 * 1024 * 1024,
  wal_autocheckpoint: 1000,
} as const;

/** A raw connection with the adapter's pragmas and table (the floor writes the same rows into the same indexes). */
export function openRaw(filename: string, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(filename, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    for (const [name, value] of Object.entries(EVENT_STORE_PRAGMAS)) db.pragma(`${name} = ${value}`);
    db.exec(SQLITE_EVENT_STORE_SCHEMA);
  }
  db.defaultSafeIntegers(false);
  return db;
}

export interface RawRow {
  position: number;
  event_id: string;
  stream_name: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

export function rawInsert(db: Database.Database): Database.Statement {
  return db.prepare(
    `INSERT INTO events (event_id, stream_name, category, revision, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
}

export function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

export function countRows(filename: string, table = 'events'): number {
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export const EVENT_TYPES = ['ClientEnrolled', 'SessionBooked', 'SessionCompleted', 'PlanChanged'] as const;

/** A realistic event: ~250 bytes of data, ~200 bytes of metadata. */
let sequence = 0;
export function makeEvent(streamName: string): NewEvent {
  const n = ++sequence;
  return {
    id: randomUUID(),
    type: EVENT_TYPES[n % EVENT_TYPES.length],
    data: {
      clientId: streamName.slice(streamName.indexOf('-') + 1),
      coachId: `coach-${n % 17}`,
      name: `Client number ${n}`,
      email: `client${n}@example.com`,
      plan: n % 2 ? 'monthly' : 'yearly',
      sessionsPerMonth: 4,
      tags: ['strength', 'mobility'],
      note: 'Prefers early morning sessions; knee injury in 2023, avoid deep squats.',
    },
    metadata: {
      occurredAt: new Date().toISOString(),
      actor: { id: `coach-${n % 17}`, role: 'coach' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

/** What one repetition of an append scenario (`append`, `postgres-store`) writes: `calls` appends of `batch` events each, over `streams` streams. */
export interface AppendCase {
  name: string;
  calls: number;
  streams: number;
  batch: number;
}

/** One repetition's appends, round-robin over `streams`: the events are made here, before timing, so that only the appends are timed. */
export function appendWorkload(streams: readonly string[], c: AppendCase): Array<{ stream: string; events: NewEvent[] }> {
  return Array.from({ length: c.calls }, (_, i) => {
    const stream = streams[i % streams.length];
    return { stream, events: Array.from({ length: c.batch }, () => makeEvent(stream)) };
  });
}

/**
 * The `ours` side of an append scenario: the event store port. Its streams exist before timing
 * (created here with their first event), so that every timed append carries an exact expected
 * revision, tracked from the previous append's answer.
 */
export async function portAppendSide(store: Pick<EventStore, 'appendToStream'>, c: AppendCase): Promise<Prepare> {
  const streams = streamNames('o', c.streams);
  const revisions = new Map<string, number>();
  for (const stream of streams) {
    const r = await store.appendToStream(stream, [makeEvent(stream)], { expectedRevision: 'no_stream' });
    revisions.set(stream, r.nextExpectedRevision);
  }
  return () => {
    const work = appendWorkload(streams, c);
    return async () => {
      for (const { stream, events } of work) {
        const r = await store.appendToStream(stream, events, { expectedRevision: revisions.get(stream)! });
        revisions.set(stream, r.nextExpectedRevision);
      }
    };
  };
}

/** The state every side of `aggregate` folds its events into, with the same evolve. */
export interface FoldedClient {
  events: number;
  name: string | null;
  plan: string | null;
  sessions: number;
  coaches: number;
}

export const initialClient = (): FoldedClient => ({ events: 0, name: null, plan: null, sessions: 0, coaches: 0 });

export function evolveClient(state: FoldedClient, event: { type: string; data: Record<string, unknown> }): FoldedClient {
  const data = event.data as { name?: string; plan?: string; coachId?: string };
  return {
    events: state.events + 1,
    name: data.name ?? state.name,
    plan: event.type === 'PlanChanged' ? (data.plan ?? state.plan) : state.plan,
    sessions: state.sessions + (event.type === 'SessionCompleted' ? 1 : 0),
    coaches: state.coaches + (data.coachId !== undefined ? 1 : 0),
  };
}

/**
 * What every side of a stream-read scenario (`aggregate`, `postgres-store`) does with the streams:
 * reads `reads` of them in repetition `rep`'s own order (the same on every side), and checks each
 * folded stream has all its `streamLength` events. The checksum (sessions folded) is logged, so
 * that no side's fold can be skipped.
 */
export function streamReads(streams: readonly string[], reads: number, streamLength: number) {
  const folded = {
    checksum: 0,
    order(rep: number): string[] {
      const out: string[] = [];
      while (out.length < reads) out.push(...shuffled(streams, rep + 1));
      return out.slice(0, reads);
    },
    expectLength(state: FoldedClient): void {
      if (state.events !== streamLength) throw new Error(`folded ${state.events} events, expected ${streamLength}`);
      folded.checksum += state.sessions;
    },
  };
  return folded;
}

/** Deterministic shuffle (mulberry32), so every side reads streams in the same order. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export const streamNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `client-${prefix}${i}`);

/** The rebuild scenarios' history: one ClientAdded and nine type changes per client. */
export const EVENTS_PER_CLIENT = 10;
const CLIENT_TYPES = ['full_access', 'full_access_one_way', 'offline'] as const;

/**
 * Writes `events / EVENTS_PER_CLIENT` clients' streams as the clients service writes them (the
 * personal data sealed with each client's key), 500 clients at a time: the history both rebuild
 * scenarios (SQLite and PostgreSQL) replay.
 */
export async function seedClientHistories(
  store: Pick<EventStore, 'appendToStream'>,
  cipher: PersonalDataCipher,
  events: number,
): Promise<void> {
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
          const from = CLIENT_TYPES[(k + 1) % 3];
          const to = CLIENT_TYPES[k % 3];
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
}
