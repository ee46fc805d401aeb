import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateDirectory, privateSqliteFile } from './private-files';

describe('private files under DATA_DIR', () => {
  let root: string;
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
  const umask = process.umask();
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'clientele-private-'));
    // The loosest umask a host may have: the modes must not depend on it.
    process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates every missing folder 0700', () => {
    privateDirectory(join(root, 'data', 'clients'));
    expect([mode(join(root, 'data')), mode(join(root, 'data', 'clients'))]).toEqual(['700', '700']);
  });

  it('narrows folders and database files an earlier version left open', () => {
    const dir = join(root, 'data');
    mkdirSync(dir, { mode: 0o755 });
    const db = join(dir, 'read-models.sqlite');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) writeFileSync(file, '', { mode: 0o644 });
    chmodSync(dir, 0o755);

    privateSqliteFile(db);

    expect([dir, db, `${db}-wal`, `${db}-shm`].map(mode)).toEqual(['700', '600', '600', '600']);
  });

  it('creates a missing database file empty and 0600, and leaves in-memory databases alone', () => {
    const db = join(root, 'data', 'keys.sqlite');
    privateSqliteFile(db);
    expect([mode(db), statSync(db).size]).toEqual(['600', 0]);
    privateSqliteFile(':memory:');
    expect(existsSync(':memory:')).toBe(false);
  });
});
