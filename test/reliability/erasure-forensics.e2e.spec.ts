import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Business, mailToken, signUp, uniqueEmail } from '../support/http';
import { RunningSystem, startInProcess } from '../support/in-process';
import { recordCheck } from '../support/reliability-report';

/**
 * Erased means erased (issue 17, finding 3): after a client is deleted and the process stopped,
 * nothing under DATA_DIR holds the client's keys or their personal data in clear, in any file:
 * not the key stores, not the read models (freed pages included), not a WAL, not the bus's log.
 * Every byte of every file is searched, as someone with a copy of the data folder would.
 */
describe('erasure forensics: a deleted client leaves no key and no plaintext on disk', () => {
  const KEYED_SERVICES = ['clients', 'identity', 'scheduling', 'messaging'] as const;
  const marker = `q${Date.now().toString(36)}x`;
  const personal = {
    firstName: `Zebulonia${marker}`,
    lastName: `Quixwarthen${marker}`,
    email: uniqueEmail(`zq${marker}`),
    phone: '+44 7700 931846',
    note: `Allergic to penicillin, knee surgery ${marker}`,
    location: `221B Quellington Mews ${marker}`,
    message: `Private words for ${marker}`,
  };
  let root: string;
  let dataDir: string;
  let system: RunningSystem | undefined;
  let business: Business;
  let clientId: string;
  /** Each service's key of the client, read from its key store while the client existed. */
  const keys = new Map<string, Buffer>();

  const keyStoreFile = (service: string) => join(dataDir, service, 'keys.sqlite');

  /** The client's key row in a service's key store, read the way an attacker with the file would. */
  function storedKey(service: string): Buffer | null {
    if (!existsSync(keyStoreFile(service))) return null;
    const db = new Database(keyStoreFile(service), { readonly: true, fileMustExist: true });
    try {
      const table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rm_subject_keys'`).get();
      if (!table) return null;
      const row = db.prepare('SELECT doc FROM rm_subject_keys WHERE id = ?').get(clientId) as { doc: string } | undefined;
      return row ? Buffer.from(JSON.parse(row.doc).key as string, 'base64') : null;
    } finally {
      db.close();
    }
  }

  async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function filesUnder(dir: string): { files: string[]; dirs: string[] } {
    const files: string[] = [];
    const dirs: string[] = [dir];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const below = filesUnder(path);
        files.push(...below.files);
        dirs.push(...below.dirs);
      } else files.push(path);
    }
    return { files, dirs };
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'clientele-erasure-'));
    // A folder Clientele creates itself, so the modes it gets are Clientele's doing.
    dataDir = join(root, 'data');
    system = await startInProcess({}, dataDir);
    business = await signUp(system.api);
    const added = await business.admin.post('/api/v1/clients', {
      firstName: personal.firstName,
      lastName: personal.lastName,
      email: personal.email,
      phone: personal.phone,
      type: 'full_access',
    });
    expect(added.status).toBe(201);
    clientId = added.body.id;
    // The invitation makes identity seal the client's login; accepting it gives the client a login.
    const token = await mailToken(system.api, personal.email, 'invitation', 15_000);
    const accepted = await system.api.post('/api/v1/auth/accept-invitation', { token, password: 'a long unique passphrase 42' });
    expect(accepted.status).toBe(200);
    expect((await business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: personal.note })).status).toBe(201);
    expect((await business.admin.post(`/api/v1/clients/${clientId}/messages`, { body: personal.message })).status).toBe(201);
    const session = await business.admin.post(`/api/v1/clients/${clientId}/sessions`, {
      start: new Date(Date.now() + 86_400_000).toISOString(),
      durationMinutes: 60,
      location: personal.location,
      price: { amount: 5000, currency: 'EUR' },
    });
    expect(session.status).toBe(201);
    for (const service of KEYED_SERVICES) keys.set(service, await waitFor(`the ${service} key of the client`, () => storedKey(service)));

    expect((await business.admin.call('DELETE', `/api/v1/clients/${clientId}`)).status).toBe(204);
    await waitFor('the client to be gone', async () => (await business.admin.get(`/api/v1/clients/${clientId}`)).status === 404);
    // Every service shreds its own key when it learns of the deletion.
    for (const service of KEYED_SERVICES) await waitFor(`the ${service} key to be shredded`, () => storedKey(service) === null);
    // A clean stop: every store is closed (and checkpointed) the way a deployment stops.
    await system.stop({ keepData: true });
    system = undefined;
    emptyDevMailbox();
  }, 120_000);

  /**
   * The one exclusion. The dev mailbox (CLIENTELE_MAIL=dev-mailbox, never in production) is a
   * development tool that keeps every mail it was asked to send, the invitation that greets the
   * client by name included, as a real mail provider would keep it in its logs and the client's
   * inbox. Production sends through SendGrid and keeps no copy. It is emptied here, the way
   * Clientele deletes (secure_delete, truncated WAL), so the rest of the notifications store (its
   * inbox, its throttle) is still searched.
   */
  function emptyDevMailbox(): void {
    const db = new Database(join(dataDir, 'notifications', 'read-models.sqlite'), { fileMustExist: true });
    try {
      db.pragma('secure_delete = ON');
      db.exec('DELETE FROM rm_dev_mailbox');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  }

  afterAll(async () => {
    await system?.stop({ keepData: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('finds neither the shredded keys nor the personal data in any byte under DATA_DIR', () => {
    const needles: Array<{ what: string; bytes: Buffer }> = [];
    for (const [service, key] of keys) {
      needles.push({ what: `${service} key (raw)`, bytes: key });
      needles.push({ what: `${service} key (base64)`, bytes: Buffer.from(key.toString('base64')) });
      needles.push({ what: `${service} key (base64url)`, bytes: Buffer.from(key.toString('base64url')) });
    }
    for (const [field, value] of Object.entries(personal)) needles.push({ what: field, bytes: Buffer.from(value, 'utf8') });

    const { files } = filesUnder(dataDir);
    const found: string[] = [];
    let bytes = 0;
    for (const file of files) {
      const content = readFileSync(file);
      bytes += content.length;
      for (const needle of needles) if (content.includes(needle.bytes)) found.push(`${needle.what} in ${relative(dataDir, file)}`);
    }
    recordCheck({
      check: 'erasure forensics',
      result: `${needles.length} needles (4 services' keys, 7 personal values) searched in ${files.length} files (${bytes} bytes) after a deletion: ${found.length} found`,
    });
    expect(files.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it("leaves nothing of the client in the search index's segments", () => {
    // FTS5 deletes with markers: the deleted client's trigrams and their positions (enough to put the
    // name and e-mail together again) stay in the segments, prefix-compressed, so a byte search
    // cannot see them. The account's only client was deleted: no segment may remain at all.
    const db = new Database(join(dataDir, 'clients', 'read-models.sqlite'), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM rm_clients WHERE deleted = 0').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM rm_clients__text_idx').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('keeps the data folder private: folders 0700, files 0600', () => {
    const { files, dirs } = filesUnder(dataDir);
    const loose = [...dirs.map((dir) => ({ path: dir, want: 0o700 })), ...files.map((file) => ({ path: file, want: 0o600 }))]
      .map(({ path, want }) => ({ path: relative(root, path), mode: (statSync(path).mode & 0o777).toString(8), want: want.toString(8) }))
      .filter(({ mode, want }) => mode !== want);
    expect(loose).toEqual([]);
    expect(files.map((file) => relative(dataDir, file))).toEqual(expect.arrayContaining(['jwt-secret', 'bus.sqlite', 'clients/keys.sqlite', 'clients/read-models.sqlite']));
  });
});
