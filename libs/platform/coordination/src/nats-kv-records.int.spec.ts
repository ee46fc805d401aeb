import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { NatsKvRecords } from './nats-kv-records';
import { SharedRecordsUnavailableError } from './shared-records.port';
import { sharedRecordsContract } from './testing/shared-records.contract';

/**
 * The shared records over the NATS server on this machine (127.0.0.1:4222, JetStream): each test
 * in a bucket of its own namespace, deleted after it.
 */
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let namespace = '';
const opened: string[] = [];
const options = () => ({ servers, namespace, bucket: 'ratelimits', maxAgeMs: 60 * 60_000 });

beforeEach(() => {
  namespace = `ratelimit-${randomUUID().slice(0, 8)}`;
  opened.push(namespace);
});

afterEach(async () => {
  const nc = await connect({ servers });
  const jsm = await nc.jetstreamManager();
  for (const name of opened.splice(0)) await jsm.streams.delete(`KV_${name}-ratelimits`).catch(() => undefined);
  await nc.close();
});

sharedRecordsContract('NatsKvRecords', {
  open: () => NatsKvRecords.connect(options()),
  // Another connection, as another gateway replica has.
  openPeer: () => NatsKvRecords.connect(options()),
});

describe('NatsKvRecords', () => {
  it('makes its bucket with one value per key and the given max_age, so NATS removes what nobody writes any more', async () => {
    const records = await NatsKvRecords.connect({ ...options(), maxAgeMs: 90_000 });
    try {
      const nc = await connect({ servers });
      const info = await (await nc.jetstreamManager()).streams.info(`KV_${namespace}-ratelimits`);
      await nc.close();
      expect(info.config.max_age).toBe(90_000 * 1_000_000);
      expect(info.config.max_msgs_per_subject).toBe(1);
    } finally {
      await records.close();
    }
  });

  it('clears a record by writing it expired, never with a delete marker (which NATS never ages out)', async () => {
    const records = await NatsKvRecords.connect(options());
    try {
      await records.modify<void, number>('k', (_c, now) => ({ record: { value: 1, expiresAt: now + 60_000 }, result: undefined }));
      await records.modify<void, number>('k', () => ({ result: undefined }));
      const nc = await connect({ servers });
      const entry = await (await nc.jetstream().views.kv(`${namespace}-ratelimits`, { bindOnly: true })).get('k');
      await nc.close();
      expect(entry?.operation).toBe('PUT');
      expect(JSON.parse(entry!.string())).toEqual({ e: 0 });
    } finally {
      await records.close();
    }
  });

  it('answers SharedRecordsUnavailableError when NATS cannot be reached, rather than hanging or counting wrong', async () => {
    const records = await NatsKvRecords.connect(options());
    await (records as unknown as { nc: { close(): Promise<void> } }).nc.close();
    await expect(records.modify<number, number>('k', (c, now) => ({ record: { value: 1, expiresAt: now + 1000 }, result: 1 }))).rejects.toBeInstanceOf(SharedRecordsUnavailableError);
  });
});
