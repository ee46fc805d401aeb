import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Business, addCoach, newClient, signUp, uniqueEmail } from './support/http';
import { inProcessForSuite } from './support/in-process';

/** The complete roster (issue 4) through the HTTP API, against the whole system in this process. */
const inProcess = inProcessForSuite();

const expectProblem = (response: { status: number; body: any }, status: number, code: string) =>
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });

async function clientOf(business: Business, overrides: Record<string, unknown> = {}) {
  const added = await business.admin.post('/api/v1/clients', newClient(overrides));
  if (added.status !== 201) throw new Error(`could not add a client: ${JSON.stringify(added.body)}`);
  return added.body as { id: string; email: string; version: number; type: string };
}

describe('PUT /api/v1/clients/:id/type', () => {
  it('changes the type, records ClientTypeChanged { from, to } with the actor, and answers the profile', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business, { type: 'full_access' });
    const changed = await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ type: 'offline', appAccess: 'none', version: 1 });
    expect(changed.headers.get('etag')).toBe('"1"');
    const history = await business.admin.get(`/api/v1/clients/${client.id}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['ClientAdded', 'ClientTypeChanged']);
    expect(history.body.items[1]).toMatchObject({
      actor: { id: business.ownerId, role: 'admin' },
      data: { from: 'full_access', to: 'offline', effect: 'access_revoked' },
    });
  });

  it('records nothing for the same type', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business, { type: 'offline' });
    const same = await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(0);
    expect((await business.admin.get(`/api/v1/clients/${client.id}/history`)).body.items).toHaveLength(1);
  });

  it('invites when leaving offline, and changes only messaging between the full-access types', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business, { type: 'offline' });
    expect((await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'full_access_one_way' })).body.appAccess).toBe('invited');
    expect((await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'full_access' })).body).toMatchObject({ type: 'full_access', appAccess: 'invited' });
    const effects = (await business.admin.get(`/api/v1/clients/${client.id}/history`)).body.items.slice(1).map((e: any) => e.data.effect);
    expect(effects).toEqual(['invitation', 'messaging_policy']);
  });

  it('400 for an unknown type, 404 for an unknown, foreign or other coach\'s client', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business);
    expectProblem(await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'vip' }), 400, 'validation_failed');
    expectProblem(await business.admin.put(`/api/v1/clients/${randomUUID()}/type`, { type: 'offline' }), 404, 'not_found');
    expectProblem(await (await signUp(inProcess.api)).admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' }), 404, 'not_found');
    expectProblem(await (await addCoach(business)).api.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' }), 404, 'not_found');
  });

  it('loses no update when two type changes race on one client', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business, { type: 'full_access' });
    const [a, b] = await Promise.all([
      business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' }),
      business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'full_access_one_way' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const history = (await business.admin.get(`/api/v1/clients/${client.id}/history`)).body.items.slice(1).map((e: any) => e.data);
    expect(history).toHaveLength(2);
    expect(history[0].from).toBe('full_access');
    expect(history[1].from).toBe(history[0].to);
    expect((await business.admin.get(`/api/v1/clients/${client.id}`)).body.type).toBe(history[1].to);
  });
});

describe('POST /api/v1/clients/bulk/type', () => {
  it('changes many, reports each outcome and a summary; one bad id never stops the others', async () => {
    const business = await signUp(inProcess.api);
    const a = await clientOf(business, { type: 'offline' });
    const b = await clientOf(business, { type: 'full_access' });
    const c = await clientOf(business, { type: 'full_access_one_way' });
    const deleted = await clientOf(business);
    await business.admin.call('DELETE', `/api/v1/clients/${deleted.id}`);
    const foreign = await clientOf(await signUp(inProcess.api));
    const response = await business.admin.post('/api/v1/clients/bulk/type', {
      clientIds: [a.id, b.id, c.id, deleted.id, foreign.id, 'not-an-id'],
      type: 'full_access_one_way',
    });
    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      { clientId: a.id, outcome: 'changed' },
      { clientId: b.id, outcome: 'changed' },
      { clientId: c.id, outcome: 'unchanged' },
      { clientId: deleted.id, outcome: 'failed', error: { code: 'not_found', detail: expect.any(String) } },
      { clientId: foreign.id, outcome: 'failed', error: { code: 'not_found', detail: expect.any(String) } },
      { clientId: 'not-an-id', outcome: 'failed', error: { code: 'not_found', detail: expect.any(String) } },
    ]);
    expect(response.body.summary).toEqual({ changed: 2, unchanged: 1, failed: 3, invitationsToSend: 1, accessRevoked: 0 });
    expect((await business.admin.get('/api/v1/clients?type=full_access_one_way')).body.total).toBe(3);
  });

  it('dryRun reports exactly what would happen and changes nothing', async () => {
    const business = await signUp(inProcess.api);
    const ids = [(await clientOf(business, { type: 'offline' })).id, (await clientOf(business, { type: 'full_access' })).id, (await clientOf(business, { type: 'full_access' })).id];
    const preview = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: ids, type: 'offline', dryRun: true });
    expect(preview.body.summary).toEqual({ changed: 2, unchanged: 1, failed: 0, invitationsToSend: 0, accessRevoked: 2 });
    expect((await business.admin.get('/api/v1/clients?type=offline')).body.total).toBe(1);
    const done = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: ids, type: 'offline' });
    expect(done.body.summary).toEqual(preview.body.summary);
  });

  it('changes nothing twice when retried with the same Idempotency-Key', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business, { type: 'offline' });
    const key = randomUUID();
    const first = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [client.id], type: 'full_access' }, { 'idempotency-key': key });
    const again = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [client.id], type: 'full_access' }, { 'idempotency-key': key });
    expect(again.body).toEqual(first.body);
    expect((await business.admin.get(`/api/v1/clients/${client.id}/history`)).body.items).toHaveLength(2);
  });

  it('400 for no ids, more than 500, or an unknown type', async () => {
    const business = await signUp(inProcess.api);
    expectProblem(await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [], type: 'offline' }), 400, 'validation_failed');
    const many = Array.from({ length: 501 }, () => randomUUID());
    expectProblem(await business.admin.post('/api/v1/clients/bulk/type', { clientIds: many, type: 'offline' }), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [randomUUID()], type: 'gold' }), 400, 'validation_failed');
  });
});

describe('GET /api/v1/account/seats', () => {
  it('counts seats by type; every active client takes one', async () => {
    const business = await signUp(inProcess.api, 5);
    await clientOf(business, { type: 'full_access' });
    await clientOf(business, { type: 'offline' });
    await clientOf(business, { type: 'offline' });
    const seats = await business.admin.get('/api/v1/account/seats');
    expect(seats.status).toBe(200);
    expect(seats.body).toEqual({ limit: 5, used: 3, available: 2, byType: { full_access: 1, full_access_one_way: 0, offline: 2 }, pending: 0 });
    const unlimited = await signUp(inProcess.api);
    expect((await unlimited.admin.get('/api/v1/account/seats')).body).toMatchObject({ limit: null, available: null, used: 0 });
  });
});

describe('PATCH /api/v1/clients/:id', () => {
  it('edits contact details, answers a new ETag, and honours If-Match', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business);
    const edited = await business.admin.patch(`/api/v1/clients/${client.id}`, { lastName: 'Byron', phone: '+44 1234' }, { 'if-match': '"0"' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ lastName: 'Byron', phone: '+44 1234', version: 1 });
    expect(edited.headers.get('etag')).toBe('"1"');
    expectProblem(await business.admin.patch(`/api/v1/clients/${client.id}`, { firstName: 'Stale' }, { 'if-match': '"0"' }), 409, 'concurrency_conflict');
    expect((await business.admin.get(`/api/v1/clients/${client.id}`)).body.firstName).toBe('Ada');
    expectProblem(await business.admin.patch(`/api/v1/clients/${client.id}`, { firstName: 'X' }, { 'if-match': 'yesterday' }), 400, 'validation_failed');
  });

  it('keeps e-mails unique per account, and frees the old address for another client', async () => {
    const business = await signUp(inProcess.api);
    const a = await clientOf(business);
    const b = await clientOf(business);
    expectProblem(await business.admin.patch(`/api/v1/clients/${a.id}`, { email: b.email.toUpperCase() }), 409, 'email_taken');
    const fresh = uniqueEmail('moved');
    expect((await business.admin.patch(`/api/v1/clients/${a.id}`, { email: fresh })).body.email).toBe(fresh);
    expect((await business.admin.post('/api/v1/clients', newClient({ email: a.email }))).status).toBe(201);
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ email: fresh })), 409, 'email_taken');
  });

  it('400 for invalid values or unknown fields, 404 for a foreign client', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business);
    expectProblem(await business.admin.patch(`/api/v1/clients/${client.id}`, { email: 'nope' }), 400, 'validation_failed');
    expectProblem(await business.admin.patch(`/api/v1/clients/${client.id}`, { type: 'offline' }), 400, 'validation_failed');
    expectProblem(await (await signUp(inProcess.api)).admin.patch(`/api/v1/clients/${client.id}`, { firstName: 'X' }), 404, 'not_found');
  });
});

describe('notes, coach reassignment, login details and password resets', () => {
  it('adds notes, listed on the profile', async () => {
    const business = await signUp(inProcess.api);
    const client = await clientOf(business);
    const note = await business.admin.post(`/api/v1/clients/${client.id}/notes`, { body: 'Left knee: no jumps for 2 weeks.' });
    expect(note.status).toBe(201);
    expect(note.body).toEqual({ id: expect.any(String), body: 'Left knee: no jumps for 2 weeks.', authorId: business.ownerId, createdAt: expect.any(String) });
    expect((await business.admin.get(`/api/v1/clients/${client.id}`)).body.notes).toEqual([note.body]);
    expectProblem(await business.admin.post(`/api/v1/clients/${client.id}/notes`, { body: '' }), 400, 'validation_failed');
  });

  it('an admin reassigns a client to a coach, who then sees it; coaches cannot reassign', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const client = await clientOf(business);
    expectProblem(await coach.api.get(`/api/v1/clients/${client.id}`), 404, 'not_found');
    const moved = await business.admin.put(`/api/v1/clients/${client.id}/coach`, { coachId: coach.id });
    expect(moved.body.coachId).toBe(coach.id);
    expect((await coach.api.get(`/api/v1/clients/${client.id}`)).status).toBe(200);
    expectProblem(await coach.api.put(`/api/v1/clients/${client.id}/coach`, { coachId: business.ownerId }), 403, 'forbidden');
    expectProblem(await business.admin.put(`/api/v1/clients/${client.id}/coach`, { coachId: randomUUID() }), 400, 'validation_failed');
  });

  it('accepts login-details and password-reset requests (202), and refuses them for offline clients (409)', async () => {
    const business = await signUp(inProcess.api);
    const full = await clientOf(business, { type: 'full_access' });
    const offline = await clientOf(business, { type: 'offline' });
    expect((await business.admin.post(`/api/v1/clients/${full.id}/login-details`)).status).toBe(202);
    expect((await business.admin.post(`/api/v1/clients/${full.id}/password-reset`)).status).toBe(202);
    expectProblem(await business.admin.post(`/api/v1/clients/${offline.id}/login-details`), 409, 'offline_no_login');
    expectProblem(await business.admin.post(`/api/v1/clients/${offline.id}/password-reset`), 409, 'offline_no_login');
    const types = (await business.admin.get(`/api/v1/clients/${full.id}/history`)).body.items.map((e: { type: string }) => e.type);
    expect(types).toEqual(['ClientAdded', 'ClientLoginDetailsRequested', 'ClientPasswordResetRequested']);
  });
});

describe('DELETE /api/v1/clients/:id', () => {
  it('deletes irreversibly: 404 afterwards, out of the list, seat and e-mail freed', async () => {
    const business = await signUp(inProcess.api, 1);
    const client = await clientOf(business);
    expectProblem(await business.admin.post('/api/v1/clients', newClient()), 409, 'seat_limit_reached');
    const deleted = await business.admin.call('DELETE', `/api/v1/clients/${client.id}`);
    expect(deleted.status).toBe(204);
    expectProblem(await business.admin.get(`/api/v1/clients/${client.id}`), 404, 'not_found');
    expectProblem(await business.admin.get(`/api/v1/clients/${client.id}/history`), 404, 'not_found');
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(0);
    expect((await business.admin.get('/api/v1/account/seats')).body.used).toBe(0);
    expect((await business.admin.post('/api/v1/clients', newClient({ email: client.email }))).status).toBe(201);
    expectProblem(await business.admin.call('DELETE', `/api/v1/clients/${client.id}`), 404, 'not_found');
  });

  it('403 for a coach without delete_clients', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const client = (await coach.api.post('/api/v1/clients', newClient())).body;
    expectProblem(await coach.api.call('DELETE', `/api/v1/clients/${client.id}`), 403, 'forbidden');
  });

  it('leaves none of the personal values readable in the raw event store', async () => {
    const business = await signUp(inProcess.api);
    const personal = { firstName: 'Persephone', lastName: 'Quillfeather', phone: '+44 7700 900123', email: uniqueEmail('persephone') };
    const client = await clientOf(business, personal);
    await business.admin.patch(`/api/v1/clients/${client.id}`, { lastName: 'Quillfeather-Snow' });
    await business.admin.post(`/api/v1/clients/${client.id}/notes`, { body: 'Secret training diary entry 4242' });
    await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' });

    const rawEvents = () => {
      const db = new Database(join(inProcess.system.dataDir, 'clients', 'events.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT type, data, metadata FROM events').all() as Array<{ type: string; data: string; metadata: string }>;
      } finally {
        db.close();
      }
    };
    const values = [personal.firstName, personal.lastName, personal.phone, personal.email, 'Quillfeather-Snow', 'Secret training diary'];
    // Sealed even before deletion: nothing in the event store is readable without the client's key.
    for (const row of rawEvents()) for (const value of values) expect(row.data + row.metadata).not.toContain(value);

    expect((await business.admin.call('DELETE', `/api/v1/clients/${client.id}`)).status).toBe(204);
    const rows = rawEvents();
    expect(rows.filter((r) => r.data.includes(client.id)).map((r) => r.type)).toEqual(
      expect.arrayContaining(['ClientEnrolled', 'ClientAdded', 'ClientContactChanged', 'ClientNoteAdded', 'ClientTypeChanged', 'ClientRemoved', 'ClientDeleted']),
    );
    for (const row of rows) for (const value of values) expect(row.data + row.metadata).not.toContain(value);
    const keys = new Database(join(inProcess.system.dataDir, 'clients', 'keys.sqlite'), { readonly: true });
    try {
      expect(keys.prepare("SELECT COUNT(*) AS n FROM rm_subject_keys WHERE id = ?").get(client.id)).toEqual({ n: 0 });
    } finally {
      keys.close();
    }
  });
});

describe('GET /api/v1/clients/:id/history', () => {
  it('is the audit trail, oldest first, with positions and actors', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const client = (await coach.api.post('/api/v1/clients', newClient({ firstName: 'Hist' }))).body;
    await coach.api.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' });
    const history = await coach.api.get(`/api/v1/clients/${client.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items).toEqual([
      { position: expect.stringMatching(/^\d+$/), type: 'ClientAdded', occurredAt: expect.any(String), actor: { id: coach.id, role: 'coach' }, data: expect.objectContaining({ firstName: 'Hist', type: 'full_access' }) },
      { position: expect.stringMatching(/^\d+$/), type: 'ClientTypeChanged', occurredAt: expect.any(String), actor: { id: coach.id, role: 'coach' }, data: expect.objectContaining({ from: 'full_access', to: 'offline' }) },
    ]);
    expect(BigInt(history.body.items[1].position)).toBeGreaterThan(BigInt(history.body.items[0].position));
  });
});

describe('POST /api/v1/clients/import', () => {
  const csv = (lines: string[]) => ['firstName,lastName,email,phone,type', ...lines].join('\n');

  it('imports the good rows and reports each bad one with its spreadsheet row', async () => {
    const business = await signUp(inProcess.api, 4);
    const existing = await clientOf(business);
    const body = csv([
      `Ada,Lovelace,${uniqueEmail('a')},,full_access`,
      'Bad,Row,not-an-email,,offline',
      `"Smith, Jr",Jones,${uniqueEmail('b')},+44 1,offline`,
      `Dup,Licate,${existing.email},,offline`,
      `No,Type,${uniqueEmail('c')},,`,
      `Fits,Last,${uniqueEmail('d')},,full_access_one_way`,
      `Too,Many,${uniqueEmail('e')},,offline`,
    ]);
    const response = await business.admin.post('/api/v1/clients/import', body, { 'content-type': 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.body.created).toBe(3);
    expect(response.body.failed.map((f: { row: number; errors: Array<{ field: string }> }) => [f.row, f.errors[0].field])).toEqual([
      [3, 'email'],
      [5, 'email'],
      [6, 'type'],
      [8, 'row'],
    ]);
    const list = await business.admin.get('/api/v1/clients?search=Smith');
    expect(list.body.items[0]).toMatchObject({ firstName: 'Smith, Jr', type: 'offline' });
    expect((await business.admin.get(`/api/v1/clients/${list.body.items[0].id}`)).body.source).toEqual({ kind: 'import' });
  });

  it('imports 2,000 rows in one streamed request', async () => {
    const business = await signUp(inProcess.api);
    const lines = Array.from({ length: 2000 }, (_, i) => `Row${i},Client,${uniqueEmail(`bulk${i}`)},,offline`);
    const response = await business.admin.post('/api/v1/clients/import', csv(lines), { 'content-type': 'text/csv' });
    expect(response.body).toEqual({ created: 2000, failed: [], failedCount: 0, truncated: false, importId: expect.any(String) });
    expect((await business.admin.get('/api/v1/account/seats')).body.used).toBe(2000);
  }, 60_000);

  it('lets parallel imports together stay within the seats and the unique e-mails', async () => {
    const business = await signUp(inProcess.api, 30);
    const shared = Array.from({ length: 20 }, (_, i) => uniqueEmail(`shared${i}`));
    const file = csv(shared.map((email, i) => `P${i},Parallel,${email},,offline`));
    const results = await Promise.all([0, 1, 2].map(() => business.admin.post('/api/v1/clients/import', file, { 'content-type': 'text/csv' })));
    expect(results.reduce((n, r) => n + r.body.created, 0)).toBe(20);
    const other = csv(Array.from({ length: 20 }, (_, i) => `Q${i},Parallel,${uniqueEmail(`other${i}`)},,offline`));
    const more = await Promise.all([0, 1].map(() => business.admin.post('/api/v1/clients/import', other.replace(/other/g, `o${randomUUID().slice(0, 4)}`), { 'content-type': 'text/csv' })));
    expect(more.reduce((n, r) => n + r.body.created, 0)).toBe(10);
    expect((await business.admin.get('/api/v1/account/seats')).body.used).toBe(30);
  }, 60_000);

  it('415 for another content type, 400 for a wrong header or an empty file, 403 without import_clients', async () => {
    const business = await signUp(inProcess.api);
    expectProblem(await business.admin.post('/api/v1/clients/import', { rows: [] }), 415, 'unsupported_media_type');
    expectProblem(await business.admin.post('/api/v1/clients/import', 'name,mail\nA,b@c.d', { 'content-type': 'text/csv' }), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/clients/import', '', { 'content-type': 'text/csv' }), 400, 'validation_failed');
    const coach = await addCoach(business);
    expectProblem(await coach.api.post('/api/v1/clients/import', csv([]), { 'content-type': 'text/csv' }), 403, 'forbidden');
  });
});
