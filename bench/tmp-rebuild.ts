import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { clientsProjections } from '@clientele/clients/service';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { rebuildProjection } from '../apps/ops/src/rebuild/rebuild';
import { CLIENT_INDEXES, CLIENT_SEARCH_FIELDS } from '../libs/clients/service/src/read-models/clients.projection';
import { seedClientHistories } from './lib/fixtures';

async function main() {
  const events = Number(process.argv[2] ?? 250000);
  const dir = process.argv[3] ?? mkdtempSync('/tmp/rb-');
  if (!process.argv[3]) {
    const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
    const documents = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });
    const cipher = new PersonalDataCipher(new KeyStore(documents));
    await documents.collection('clients').ensureIndexes(CLIENT_INDEXES);
    await documents.collection('clients').ensureTextIndex(CLIENT_SEARCH_FIELDS);
    await seedClientHistories(store, cipher, events);
    await store.close();
    await documents.close();
    console.log('seeded', dir);
  }
  const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
  const documents = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });
  const session = new Session();
  session.connect();
  const profile = process.env.PROF === '1';
  if (profile) { await session.post('Profiler.enable'); await session.post('Profiler.start'); }
  const t = performance.now();
  const result = await rebuildProjection(store, documents, documents, clientsProjections, {});
  const ms = performance.now() - t;
  if (profile) { const { profile: p } = await session.post('Profiler.stop'); writeFileSync('/tmp/rebuild.cpuprofile', JSON.stringify(p)); }
  console.log(`rebuild ${result.events} events in ${ms.toFixed(0)} ms: ${(result.events / ms * 1000).toFixed(0)} ev/s`);
  await store.close();
  await documents.close();
}
main();
