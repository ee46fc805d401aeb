import type { JetStreamManager, KV, KvEntry } from 'nats';

/**
 * The live entries of a NATS key-value bucket whose keys match `filter` (`>` for all, `<durable>.>`
 * for one consumer's dead letters), read from the bucket stream's subjects: one request (the server
 * pages a long list, and the client follows the pages), then one direct get per key. An entry whose
 * last operation was a delete or a purge is left out.
 *
 * Why not nats.js's `kv.keys()`: it lists through an ordered consumer and stops only when a
 * delivered message says nothing more is pending. While it listed, a purge (a roll-up that removes
 * the messages it was about to deliver) could leave it waiting for ever: a dead-letter list hung
 * until jest's 90 s in CI ("keeps a retry for a stopped consumer", JetStream), as a metrics scrape
 * or an ops listing would have.
 */
export async function kvEntries(jsm: JetStreamManager, bucketName: string, bucket: KV, filter = '>'): Promise<KvEntry[]> {
  const prefix = `$KV.${bucketName}.`;
  const info = await jsm.streams.info(`KV_${bucketName}`, { subjects_filter: `${prefix}${filter}` });
  const keys = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  const entries = await Promise.all(keys.map((key) => bucket.get(key)));
  return entries.filter((entry): entry is KvEntry => entry !== null && entry.operation === 'PUT' && entry.value.length > 0);
}
