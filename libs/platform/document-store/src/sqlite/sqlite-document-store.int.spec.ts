import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentStoreContract } from '../testing/document-store.contract';
import { SqliteDocumentStore } from './sqlite-document-store';

const dir = mkdtempSync(join(tmpdir(), 'clientele-ds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

documentStoreContract('SQLite (file)', async () => new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') }));
