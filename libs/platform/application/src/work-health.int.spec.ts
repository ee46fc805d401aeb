import { EmbeddedEventBus, IntegrationEvent } from '@clientele/platform/bus';
import { SqliteDocumentStore, WriteOp } from '@clientele/platform/document-store';
import { RecordedEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventProcessor } from './event-processor';
import { ProcessorRunner } from './processor-runner';
import { withTrackedConsumers } from './tracked-consumers';
import { WorkHealth } from './work-health';

/** A projection that throws on every event while `broken` (a poisoned read model, a bug). */
class Poisoned implements EventProcessor {
  readonly name = 'things_views';
  readonly filter = { streamCategories: ['thing'] };
  broken = true;

  async handle(event: RecordedEvent): Promise<WriteOp[]> {
    if (this.broken) throw new Error('a document needs a non-empty string id');
    return [{ op: 'upsert', collection: 'things', doc: { id: event.streamName }, version: event.revision }];
  }
}

const until = async (what: string, check: () => boolean, timeoutMs = 15_000) => {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Issue 17, finding 6: a processor or consumer that keeps failing shows in /health, a single failure does not. */
describe('WorkHealth: processors and consumers that keep failing (real SQLite stores, the embedded bus)', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let runner: ProcessorRunner | undefined;

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await runner?.stop();
    await events.close();
    await documents.close();
  });

  it('a runner that always fails is reported after N failures in a row, by name, time and error; it recovers after a success', async () => {
    const health = new WorkHealth({ failures: 4, forMs: 100, staleMs: 60_000 });
    const processor = new Poisoned();
    const written = await events.appendToStream('thing-1', [{ id: randomUUID(), type: 'Added', data: {} }], { expectedRevision: 'any' });
    runner = new ProcessorRunner(events, documents, processor, { retryDelayMs: 20, health, service: 'things', onError: () => undefined });
    await runner.start();

    // The first failures are not reported: one transient failure must not flap /health.
    await until('a first failure', () => (runner!.failures?.consecutiveFailures ?? 0) >= 1);
    expect(health.report('things')).toEqual({ status: 'ok' });

    await until('the threshold', () => health.failing('things').length > 0);
    const [sentence] = health.failing('things');
    expect(sentence).toMatch(
      /^things_views has failed \d+ times in a row since \d{4}-\d\d-\d\dT[\d:.]+Z \(no success since it started\): a document needs a non-empty string id$/,
    );
    expect(runner.failures!.consecutiveFailures).toBeGreaterThanOrEqual(4);
    expect(health.report('things')).toEqual({ status: 'degraded', failing: [sentence] });
    // Another service's health is not touched.
    expect(health.report('other')).toEqual({ status: 'ok' });

    // Fixed: the next retry handles the event, and the runner is healthy again at once.
    processor.broken = false;
    await runner.waitFor(written.position, 10_000);
    expect(health.report('things')).toEqual({ status: 'ok' });
    expect(runner.failures!.consecutiveFailures).toBe(0);
    expect(runner.failures!.lastSuccessAt).not.toBeNull();

    // A stopped runner is no longer reported at all.
    processor.broken = true;
    await events.appendToStream('thing-2', [{ id: randomUUID(), type: 'Added', data: {} }], { expectedRevision: 'any' });
    await until('failing again', () => health.failing().length > 0);
    await runner.stop();
    expect(health.failing()).toEqual([]);
  });

  it('a single failure followed by success is never reported', async () => {
    const health = new WorkHealth({ failures: 2, forMs: 0, staleMs: 60_000 });
    const processor = new Poisoned();
    const failures: unknown[] = [];
    const reportedAtFailure: string[][] = [];
    const written = await events.appendToStream('thing-1', [{ id: randomUUID(), type: 'Added', data: {} }], { expectedRevision: 'any' });
    runner = new ProcessorRunner(events, documents, processor, {
      retryDelayMs: 20,
      health,
      onError: (error) => {
        failures.push(error);
        // The failure is in the streak by the time the runner logs it: still below the threshold.
        reportedAtFailure.push(health.failing());
        processor.broken = false;
      },
    });
    await runner.start();
    await runner.waitFor(written.position, 10_000);
    expect(failures).toHaveLength(1);
    expect(reportedAtFailure).toEqual([[]]);
    expect(health.report('things')).toEqual({ status: 'ok' });
  });

  it('a consumer whose handler fails event after event is reported under its durable name, and recovers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientele-work-health-'));
    const health = new WorkHealth({ failures: 3, forMs: 0, staleMs: 60_000 });
    const bus = withTrackedConsumers(new EmbeddedEventBus({ filename: join(dir, 'bus.sqlite') }), health);
    const event = (): IntegrationEvent => ({ id: randomUUID(), subject: 'src.thing.added.v1', occurredAt: new Date().toISOString(), data: {}, metadata: {} });
    let broken = true;
    let handled = 0;
    const consumer = await bus.consume({ durableName: 'things--src', sourceService: 'src', retryDelaysMs: [10], maxDeliveries: 10 }, async () => {
      if (broken) throw new Error('the read model is locked');
      handled++;
    });
    try {
      await bus.publish(event());
      await until('the consumer to be reported', () => health.failing('things').length > 0);
      expect(health.failing('things')[0]).toMatch(/^things--src has failed \d+ times in a row since .*: the read model is locked$/);
      broken = false;
      await bus.publish(event());
      await until('both events handled', () => handled === 2);
      expect(health.report('things')).toEqual({ status: 'ok' });
    } finally {
      await consumer.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(health.failing()).toEqual([]);
  });
});
