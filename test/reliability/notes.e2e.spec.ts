import { addCoach, Business, newClient, signUp } from '../support/http';
import { inProcessForSuite } from '../support/in-process';

/**
 * Issue 17, finding 5: one client's notes must not grow the profile, and concurrent notes (or a
 * PATCH without If-Match among them) must not fail with concurrency_conflict. The notes are paged
 * at GET /clients/:id/notes, newest first, with the profile's 404 rules.
 */
// Two tests here send 120 to 200 commands on one client at once. On CI's loaded 2-core machine
// (PostgreSQL suites fsyncing beside it) the last of them waited past the default 5 s and answered
// 503 unavailable, a correct answer under overload but not what these tests are about: conflicts.
// A patient deployment's setting keeps the figures about conflicts alone.
const inProcess = inProcessForSuite({ CLIENTELE_REQUEST_TIMEOUT_MS: '30000' });
let business: Business;

beforeAll(async () => {
  business = await signUp(inProcess.api);
}, 60_000);

async function addClient(coachId?: string): Promise<string> {
  const added = await business.admin.post('/api/v1/clients', newClient({ type: 'offline', ...(coachId ? { coachId } : {}) }));
  if (added.status !== 201) throw new Error(`could not add a client: ${added.status} ${JSON.stringify(added.body)}`);
  return added.body.id;
}

const BIG = 'n'.repeat(5000);

it('pages the notes newest first, in the standard list shape', async () => {
  const clientId = await addClient();
  for (let i = 1; i <= 7; i++) expect((await business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: `Note ${i}` })).status).toBe(201);

  const first = await business.admin.get(`/api/v1/clients/${clientId}/notes?page=1&pageSize=3`);
  expect(first.status).toBe(200);
  expect(first.body).toEqual({
    items: [expect.objectContaining({ body: 'Note 7' }), expect.objectContaining({ body: 'Note 6' }), expect.objectContaining({ body: 'Note 5' })],
    page: 1,
    pageSize: 3,
    total: 7,
  });
  expect(first.body.items[0]).toEqual({ id: expect.any(String), body: 'Note 7', authorId: business.ownerId, createdAt: expect.any(String) });
  expect((await business.admin.get(`/api/v1/clients/${clientId}/notes?page=3&pageSize=3`)).body.items.map((n: { body: string }) => n.body)).toEqual(['Note 1']);
  expect((await business.admin.get(`/api/v1/clients/${clientId}/notes?page=4&pageSize=3`)).body).toMatchObject({ items: [], total: 7 });
  // Defaults: page 1 of 25.
  expect((await business.admin.get(`/api/v1/clients/${clientId}/notes`)).body).toMatchObject({ page: 1, pageSize: 25, total: 7 });

  // The profile keeps the latest 5 (oldest of them first, as before) and the count.
  const profile = await business.admin.get(`/api/v1/clients/${clientId}`);
  expect(profile.body.notes.map((n: { body: string }) => n.body)).toEqual(['Note 3', 'Note 4', 'Note 5', 'Note 6', 'Note 7']);
  expect(profile.body.notesTotal).toBe(7);
});

it("answers 404 for another account's client and for a client of another coach, as the profile does", async () => {
  const coach = await addCoach(business);
  const other = await addCoach(business);
  const clientId = await addClient(coach.id);
  await business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: 'Private' });
  const stranger = await signUp(inProcess.api);

  for (const caller of [stranger.admin, other.api]) {
    const answer = await caller.get(`/api/v1/clients/${clientId}/notes`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'not_found' });
    expect(JSON.stringify(answer.body)).not.toContain('Private');
  }
  expect((await coach.api.get(`/api/v1/clients/${clientId}/notes`)).body).toMatchObject({ total: 1, items: [expect.objectContaining({ body: 'Private' })] });
  expect((await business.admin.get('/api/v1/clients/00000000-0000-4000-8000-000000000000/notes')).status).toBe(404);
});

it('refuses a bad page or page size with 400 validation_failed', async () => {
  const clientId = await addClient();
  for (const query of ['page=0', 'page=-1', 'page=abc', 'pageSize=0', 'pageSize=101', 'pageSize=2.5', 'page=99999999999999999999']) {
    const answer = await business.admin.get(`/api/v1/clients/${clientId}/notes?${query}`);
    expect({ query, status: answer.status, type: answer.headers.get('content-type') }).toEqual({ query, status: 400, type: expect.stringContaining('application/problem+json') });
    expect(answer.body).toMatchObject({ code: 'validation_failed', errors: expect.arrayContaining([expect.objectContaining({ field: query.split('=')[0] })]) });
  }
});

it('200 parallel notes of 5,000 characters on one client: every one 201, every one listed, and the profile stays small', async () => {
  const clientId = await addClient();
  const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: `${i} ${BIG}`.slice(0, 5000) })));
  const statuses = answers.reduce<Record<number, number>>((counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }), {});
  expect(statuses).toEqual({ 201: 200 });

  const listed: string[] = [];
  for (let page = 1; page <= 2; page++) {
    const answer = await business.admin.get(`/api/v1/clients/${clientId}/notes?page=${page}&pageSize=100`);
    expect(answer.body.total).toBe(200);
    listed.push(...answer.body.items.map((n: { id: string }) => n.id));
  }
  expect(new Set(listed).size).toBe(200);
  expect([...listed].sort()).toEqual(answers.map((a) => a.body.id).sort());

  // Before: every note inline, a 1 MB answer here (3.9 MB for 1,000). Now 5 notes and a count.
  const profile = await business.admin.get(`/api/v1/clients/${clientId}`);
  expect(JSON.stringify(profile.body).length).toBeLessThan(32 * 1024);
  expect(profile.body).toMatchObject({ notesTotal: 200 });
  expect(profile.body.notes).toHaveLength(5);
}, 120_000);

it('a PATCH without If-Match among concurrent notes resolves its own conflicts; with a stale If-Match it is still 409', async () => {
  const clientId = await addClient();
  const notes = Array.from({ length: 100 }, (_, i) => business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: `Note ${i}` }));
  const patches = Array.from({ length: 20 }, (_, i) => business.admin.patch(`/api/v1/clients/${clientId}`, { phone: `+44 20 7946 ${String(i).padStart(4, '0')}` }));
  const email = `moved.${Date.now()}@example.com`;
  const emailChange = business.admin.patch(`/api/v1/clients/${clientId}`, { email, lastName: 'Moved' });
  const [noteAnswers, patchAnswers, emailAnswer] = await Promise.all([Promise.all(notes), Promise.all(patches), emailChange]);

  expect(noteAnswers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body?.code}`)).toEqual([]);
  expect(patchAnswers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body?.code}`)).toEqual([]);
  expect(emailAnswer.status).toBe(200);
  const profile = await business.admin.get(`/api/v1/clients/${clientId}`);
  expect(profile.body).toMatchObject({ email, lastName: 'Moved', notesTotal: 100 });
  // The new address is the client's on the roster: another client cannot take it.
  expect((await business.admin.post('/api/v1/clients', newClient({ type: 'offline', email: email.toUpperCase() }))).body).toMatchObject({ code: 'email_taken' });

  // With If-Match the caller asked for the check: a version that moved on is a conflict, as api.md says.
  const stale = await business.admin.patch(`/api/v1/clients/${clientId}`, { phone: '+44 1' }, { 'if-match': `"${profile.body.version - 1}"` });
  expect(stale.status).toBe(409);
  expect(stale.body).toMatchObject({ code: 'concurrency_conflict' });
}, 120_000);

it("a deleted client's notes are gone with it", async () => {
  const clientId = await addClient();
  await business.admin.post(`/api/v1/clients/${clientId}/notes`, { body: 'Soon gone' });
  expect((await business.admin.call('DELETE', `/api/v1/clients/${clientId}`)).status).toBe(204);
  expect((await business.admin.get(`/api/v1/clients/${clientId}/notes`)).status).toBe(404);
});
