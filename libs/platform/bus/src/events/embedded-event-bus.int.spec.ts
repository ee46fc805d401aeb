import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntegrationEvent } from '../bus.port';
import { eventBusContract } from '../testing/event-bus.contract';
import { EmbeddedEventBus } from './embedded-event-bus';

const dir = mkdtempSync(join(tmpdir(), 'clientele-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventBusContract('in-process (embedded SQLite log)', { open: async () => new EmbeddedEventBus({ filename: join(dir, 'bus.sqlite') }) });

describe('EmbeddedEventBus: consumers that take some subjects only', () => {
  const ev = (subject: string): IntegrationEvent => ({ id: randomUUID(), subject, occurredAt: new Date().toISOString(), data: {}, metadata: { correlationId: 'c' } });
  const until = async (check: () => boolean) => {
    for (const deadline = Date.now() + 10_000; !check(); ) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('steps over long runs of other subjects (more than a page), delivers its own in order, and keeps its place across a restart', async () => {
    const filename = join(dir, 'subjects.sqlite');
    const bus = new EmbeddedEventBus({ filename });
    await bus.publishMany(Array.from({ length: 1_200 }, () => ev('src.client.type-changed.v1')));
    await bus.publish(ev('src.client.deleted.v1'));
    await bus.publishMany(Array.from({ length: 600 }, () => ev('src.client.type-changed.v1')));
    await bus.publish(ev('src.client.deleted.v1'));
    const received: string[] = [];
    let consumer = await bus.consume({ durableName: 'picky', sourceService: 'src', subjects: ['src.client.deleted.v1'] }, async (e) => void received.push(e.subject));
    await until(() => received.length === 2);
    // The cursor is past everything read, the other subjects included.
    const reader = new Database(filename, { readonly: true });
    const cursor = () => reader.prepare<[], { cursor: number }>("SELECT cursor FROM consumers WHERE durable_name = 'picky'").get()!.cursor;
    await until(() => cursor() === 1_802);
    reader.close();
    await consumer.stop();
    await bus.close();

    const reopened = new EmbeddedEventBus({ filename });
    consumer = await reopened.consume({ durableName: 'picky', sourceService: 'src', subjects: ['src.client.deleted.v1'] }, async (e) => void received.push(e.subject));
    await reopened.publishMany([ev('src.client.type-changed.v1'), ev('src.client.deleted.v1')]);
    await until(() => received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(['src.client.deleted.v1', 'src.client.deleted.v1', 'src.client.deleted.v1']);
    await consumer.stop();
    await reopened.close();
  });
});
