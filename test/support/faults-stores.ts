import { SqliteDocumentStore, type Document } from '@clientele/platform/document-store';
import { SqliteEventStore, type RecordedEvent } from '@clientele/platform/event-store';
import { runOps } from '../../apps/ops/src/main';
import { OpsContext } from '../../apps/ops/src/ops-context';
import { loadConfig } from '@clientele/platform/config';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What the fault-injection specs read after the fact, from the real files of a deployment: a
 * service's SQLite event store (through the real adapter), and `ops verify` on a service's stores.
 */
const root = resolve(__dirname, '..', '..');

/** Every event of a service whose DATA_DIR is `dataDir` (its files are in `<dataDir>/<service>/`). */
export async function readServiceEvents(dataDir: string, service: string): Promise<RecordedEvent[]> {
  const filename = join(dataDir, service, 'events.sqlite');
  if (!existsSync(filename)) throw new Error(`no event store at ${filename}`);
  const store = new SqliteEventStore({ filename });
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}

/** Every document of one collection of a service's read-model store (e.g. notifications' `dev_mailbox`). */
export async function readServiceDocuments<T extends Document = Document>(dataDir: string, service: string, collection: string): Promise<T[]> {
  const filename = join(dataDir, service, 'read-models.sqlite');
  if (!existsSync(filename)) throw new Error(`no read-model store at ${filename}`);
  const store = new SqliteDocumentStore({ filename });
  try {
    return await store.collection<T>(collection).find();
  } finally {
    await store.close();
  }
}

/** The events of one service indexed by stream and by event id. */
export class EventLog {
  readonly byStream = new Map<string, RecordedEvent[]>();
  readonly byId = new Map<string, RecordedEvent>();

  constructor(readonly events: readonly RecordedEvent[]) {
    for (const event of events) {
      this.byStream.set(event.streamName, [...(this.byStream.get(event.streamName) ?? []), event]);
      this.byId.set(event.id, event);
    }
  }

  stream(name: string): RecordedEvent[] {
    return this.byStream.get(name) ?? [];
  }

  count(streamName: string, type: string): number {
    return this.stream(streamName).filter((e) => e.type === type).length;
  }

  static async of(dataDir: string, service: string): Promise<EventLog> {
    return new EventLog(await readServiceEvents(dataDir, service));
  }
}

export interface OpsVerifyRun {
  projection: string;
  exitCode: number;
  ms: number;
  stdout: string;
  stderr: string;
  /** From `--json`: documents replayed and the differences found, when the tool printed them. */
  results: Array<{ projection: string; documents: number; differences: unknown[]; lagging: string[] }>;
}

/**
 * `npm run ops -- verify --projection <name> --json` on one service's stores (DATA_DIR=`dataDir`):
 * replays the events into a scratch store and compares every read-model document by content hash;
 * exit code 1 on drift. It runs the tool's own entry point (`runOps`, what `main.ts` calls with
 * `process.argv`) with the configuration the tool reads from that environment, in this process:
 * a child process per service would add nothing but seconds of TypeScript start-up.
 */
export async function runOpsVerify(dataDir: string, projection: string): Promise<OpsVerifyRun> {
  const started = Date.now();
  const output = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
  const env = { DATA_DIR: dataDir, CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite' };
  const exitCode = await runOps(['verify', '--projection', projection, '--json'], (operator) => new OpsContext(loadConfig(env, root), output, operator));
  let results: OpsVerifyRun['results'] = [];
  try {
    results = JSON.parse(output.stdout);
  } catch {
    // not JSON: the tool failed before printing; the exit code and stderr say why
  }
  return { projection, exitCode, ms: Date.now() - started, stdout: output.stdout, stderr: output.stderr, results };
}
