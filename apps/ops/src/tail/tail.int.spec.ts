import { loadConfig } from '@clientele/platform/config';
import type { EventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsContext, UsageError } from '../ops-context';
import { eventsCommand, parseTailOptions, tailEvents } from './tail.command';

/** `events tail` against the SQLite event stores of a data folder, written by "the services" meanwhile. */
let dataDir: string;
let writer: OpsContext;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientele-ops-tail-'));
  writer = new OpsContext(loadConfig({ DATA_DIR: dataDir }), undefined, 'writer');
});
afterEach(async () => {
  await writer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const sink = () => {
  const s = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (s.stdout += t), err: (t: string) => void (s.stderr += t) };
  return s;
};

/** Waits for what the tail does on its own time (opening stores, reading): no fixed sleep. */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function append(store: EventStore, stream: string, type: string) {
  await store.appendToStream(stream, [{ id: randomUUID(), type, data: { accountId: 'a-1' }, metadata: { occurredAt: new Date().toISOString(), actor: { id: 'u-1', role: 'admin' } } }], {
    expectedRevision: 'any',
  });
}

describe('ops events tail', () => {
  it('follows new events of every service from the current end, filtered, until --limit', async () => {
    const clients = await writer.eventStore('clients');
    const billing = await writer.eventStore('billing');
    await append(clients, 'client-old', 'ClientAdded');
    const output = sink();
    const context = new OpsContext(loadConfig({ DATA_DIR: dataDir }), output, 'test-operator');
    const done = tailEvents(context, parseTailOptions(['--type', 'ClientTypeChanged,ProductCreated', '--limit', '2', '--json']), new AbortController().signal);
    // Written once the tail follows every store: an event written before that is behind its start.
    await until(() => output.stderr.includes('Following'));
    await append(clients, 'client-1', 'ClientAdded');
    await append(clients, 'client-1', 'ClientTypeChanged');
    await append(billing, 'product-9', 'ProductCreated');
    await done;
    await context.close();
    const lines = output.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.service, l.stream, l.type, l.actor])).toEqual(
      expect.arrayContaining([
        ['clients', 'client-1', 'ClientTypeChanged', { id: 'u-1', role: 'admin' }],
        ['billing', 'product-9', 'ProductCreated', { id: 'u-1', role: 'admin' }],
      ]),
    );
    expect(lines).toHaveLength(2);
  });

  it('replays from the start with --from-start, filters by stream prefix, and stops on abort', async () => {
    const clients = await writer.eventStore('clients');
    await append(clients, 'client-1', 'ClientAdded');
    await append(clients, 'roster-1', 'ClientCounted');
    await append(clients, 'client-2', 'ClientAdded');
    const output = sink();
    const context = new OpsContext(loadConfig({ DATA_DIR: dataDir }), output, 'test-operator');
    const stop = new AbortController();
    const done = tailEvents(context, parseTailOptions(['--service', 'clients', '--stream', 'client-', '--from-start']), stop.signal);
    await until(() => output.stdout.trim().split('\n').length >= 2);
    stop.abort();
    await done;
    await context.close();
    const lines = output.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z {2}clients {4}client-1 {2}ClientAdded {2}u-1 \(admin\) {2}@\d+$/);
    expect(lines[1]).toContain('client-2');
  });

  it('refuses bad arguments with a UsageError', async () => {
    const context = new OpsContext(loadConfig({ DATA_DIR: dataDir }), sink(), 'test-operator');
    for (const args of [[], ['follow'], ['tail', '--service', 'gateway'], ['tail', '--limit', 'x'], ['tail', '--type'], ['tail', 'extra'], ['tail', '--verbose', '1']]) {
      await expect(eventsCommand.run(context, args)).rejects.toBeInstanceOf(UsageError);
    }
    await context.close();
  });
});
