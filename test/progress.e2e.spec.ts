import { CLIENTS_DEPS, type ClientsDeps } from '@clientele/clients/service';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { randomUUID } from 'node:crypto';
import { Api, Business, PASSWORD, addCoach, mailToken, newClient, signUp, uniqueEmail } from './support/http';
import { inProcessForSuite } from './support/in-process';

/**
 * Issue 21, item 15 (Progress): body measurements over time, recorded by the coach for any client
 * and by full-access clients for themselves, in the account's units. They are events of the
 * client's history, sealed with the client's key, and gone with the client.
 */
const inProcess = inProcessForSuite();
let business: Business;
let assigned: { id: string; api: Api };
let unassigned: { id: string; api: Api };

beforeAll(async () => {
  business = await signUp(inProcess.api);
  assigned = await addCoach(business);
  unassigned = await addCoach(business);
}, 60_000);

async function addClient(overrides: Record<string, unknown> = {}): Promise<string> {
  const added = await assigned.api.post('/api/v1/clients', newClient({ type: 'offline', ...overrides }));
  if (added.status !== 201) throw new Error(`could not add a client: ${added.status} ${JSON.stringify(added.body)}`);
  return added.body.id;
}

/** A full-access client who accepted their invitation, signed in. */
async function signedInClient(): Promise<{ id: string; api: Api }> {
  const email = uniqueEmail('progress');
  const id = await addClient({ email, type: 'full_access', sendInvitation: true });
  const accepted = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await mailToken(inProcess.api, email), password: PASSWORD });
  expect(accepted.status).toBe(200);
  return { id, api: inProcess.api.as(accepted.body.accessToken) };
}

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(typeof response.body.detail).toBe('string');
}

describe('coach records a client’s measurements', () => {
  it('records one (201), lists them oldest first with the units, and shows it in the client’s history', async () => {
    const clientId = await addClient();

    const later = await assigned.api.post(`/api/v1/clients/${clientId}/measurements`, { measuredAt: '2026-02-01', values: { weight: 71.4, waist: 81 } });
    const earlier = await business.admin.post(`/api/v1/clients/${clientId}/measurements`, { measuredAt: '2026-01-01', values: { weight: 73.2, bodyFat: 22.5 } });

    expect(later.status).toBe(201);
    expect(later.body).toEqual({
      id: expect.any(String),
      clientId,
      measuredAt: '2026-02-01T00:00:00.000Z',
      values: { weight: 71.4, waist: 81 },
      recordedAt: expect.any(String),
      recordedBy: assigned.id,
      recordedByRole: 'staff',
    });
    const list = await assigned.api.get(`/api/v1/clients/${clientId}/measurements`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [earlier.body, later.body], units: 'metric' });
    const history = await assigned.api.get(`/api/v1/clients/${clientId}/history`);
    const measurements = history.body.items.filter((entry: { type: string }) => entry.type === 'ClientMeasurementRecorded');
    expect(measurements).toEqual([
      expect.objectContaining({ actor: { id: assigned.id, role: 'coach' }, data: expect.objectContaining({ values: { weight: 71.4, waist: 81 } }) }),
      expect.objectContaining({ actor: { id: business.ownerId, role: 'admin' }, data: expect.objectContaining({ values: { weight: 73.2, bodyFat: 22.5 } }) }),
    ]);
  });

  it('answers a retry with the same Idempotency-Key with the same measurement, recorded once', async () => {
    const clientId = await addClient();
    const key = randomUUID();
    const first = await assigned.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { hips: 98 } }, { 'idempotency-key': key });
    const again = await assigned.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { hips: 98 } }, { 'idempotency-key': key });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect((await assigned.api.get(`/api/v1/clients/${clientId}/measurements`)).body.items).toHaveLength(1);
  });

  it('refuses values out of range, no values, a bad date and a body of the wrong shape (400 validation_failed, a sentence per field)', async () => {
    const clientId = await addClient();
    const post = (body: unknown) => assigned.api.post(`/api/v1/clients/${clientId}/measurements`, body);

    const outOfRange = await post({ values: { weight: 700, thigh: 3, shoe: 42 } });
    expectProblem(outOfRange, 400, 'validation_failed');
    expect(outOfRange.body.errors).toEqual([
      { field: 'values.weight', message: 'Enter a weight between 20 and 350 kg; 700 kg is outside it.' },
      { field: 'values.thigh', message: 'Enter a thigh girth between 25 and 110 cm; 3 cm is outside it.' },
      { field: 'values.shoe', message: expect.stringContaining('does not record "shoe"') },
    ]);
    const none = await post({ values: {} });
    expectProblem(none, 400, 'validation_failed');
    expect(none.body.detail).toBe('Enter at least one measurement: weight, body fat, or a girth.');
    const notANumber = await post({ values: { weight: 'seventy' } });
    expectProblem(notANumber, 400, 'validation_failed');
    expect(notANumber.body.errors).toEqual([{ field: 'values.weight', message: 'Enter the weight as a number between 20 and 350 kg.' }]);
    const future = await post({ measuredAt: '2999-01-01', values: { weight: 70 } });
    expectProblem(future, 400, 'validation_failed');
    expect(future.body.errors).toEqual([{ field: 'measuredAt', message: expect.stringContaining('cannot be dated in the future') }]);
    expectProblem(await post({ values: [70] }), 400, 'validation_failed');
    expectProblem(await post({}), 400, 'validation_failed');
    expectProblem(await post({ values: { weight: 70 }, clientId: 'another' }), 400, 'validation_failed');
    expect((await assigned.api.get(`/api/v1/clients/${clientId}/measurements`)).body.items).toEqual([]);
  });

  it('is 401 without a token, 403 for a client on the staff route, 404 for a coach the client is not assigned to, another account and an unknown client', async () => {
    const clientId = await addClient();
    const other = await signUp(inProcess.api);
    const client = await signedInClient();
    const path = `/api/v1/clients/${clientId}/measurements`;

    expectProblem(await inProcess.api.post(path, { values: { weight: 70 } }), 401, 'unauthorized');
    expectProblem(await inProcess.api.get(path), 401, 'unauthorized');
    expectProblem(await client.api.post(`/api/v1/clients/${client.id}/measurements`, { values: { weight: 70 } }), 403, 'forbidden');
    expectProblem(await client.api.get(`/api/v1/clients/${client.id}/measurements`), 403, 'forbidden');
    expectProblem(await unassigned.api.post(path, { values: { weight: 70 } }), 404, 'not_found');
    expectProblem(await unassigned.api.get(path), 404, 'not_found');
    expectProblem(await other.admin.post(path, { values: { weight: 70 } }), 404, 'not_found');
    expectProblem(await other.admin.get(path), 404, 'not_found');
    expectProblem(await business.admin.post(`/api/v1/clients/${randomUUID()}/measurements`, { values: { weight: 70 } }), 404, 'not_found');
    expect((await assigned.api.get(path)).body.items).toEqual([]);
  });
});

describe('a client records their own', () => {
  it('records (201) and lists their own, which their coach sees too', async () => {
    const client = await signedInClient();

    const recorded = await client.api.post('/api/v1/me/measurements', { values: { weight: 64.2, arm: 29 } });

    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ clientId: client.id, values: { weight: 64.2, arm: 29 }, recordedBy: client.id, recordedByRole: 'client' });
    expect((await client.api.get('/api/v1/me/measurements')).body).toEqual({ items: [recorded.body], units: 'metric' });
    expect((await assigned.api.get(`/api/v1/clients/${client.id}/measurements`)).body.items).toEqual([recorded.body]);
    const history = await assigned.api.get(`/api/v1/clients/${client.id}/history`);
    expect(history.body.items.find((entry: { type: string }) => entry.type === 'ClientMeasurementRecorded')).toMatchObject({ actor: { id: client.id, role: 'client' } });
  });

  it('refuses bad values (400), staff (403) and no token (401); an offline client’s token stops working (401)', async () => {
    const client = await signedInClient();

    const bad = await client.api.post('/api/v1/me/measurements', { values: { bodyFat: 1 } });
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.errors).toEqual([{ field: 'values.bodyFat', message: 'Enter a body fat between 2 and 70 %; 1 % is outside it.' }]);
    expectProblem(await assigned.api.post('/api/v1/me/measurements', { values: { weight: 70 } }), 403, 'forbidden');
    expectProblem(await assigned.api.get('/api/v1/me/measurements'), 403, 'forbidden');
    expectProblem(await inProcess.api.get('/api/v1/me/measurements'), 401, 'unauthorized');

    expect((await assigned.api.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' })).status).toBe(200);
    expectProblem(await client.api.post('/api/v1/me/measurements', { values: { weight: 70 } }), 401, 'unauthorized');
  });
});

describe('the account’s units', () => {
  it('are metric until an admin changes them; values are then taken and shown in lb and in, the stored ones converted', async () => {
    const own = await signUp(inProcess.api);
    const coach = await addCoach(own);
    const added = await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }));
    const clientId = added.body.id;
    expect((await coach.api.get('/api/v1/account/measurement-units')).body).toEqual({ units: 'metric' });
    expect((await coach.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { weight: 100, waist: 100 } })).status).toBe(201);

    const changed = await own.admin.put('/api/v1/account/measurement-units', { units: 'imperial' });

    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ units: 'imperial' });
    expect((await coach.api.get('/api/v1/account/measurement-units')).body).toEqual({ units: 'imperial' });
    const inPounds = await coach.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { weight: 180.5, waist: 33.5 } });
    expect(inPounds.body.values).toEqual({ weight: 180.5, waist: 33.5 });
    const tooLight = await coach.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { weight: 30 } });
    expectProblem(tooLight, 400, 'validation_failed');
    expect(tooLight.body.errors).toEqual([{ field: 'values.weight', message: 'Enter a weight between 44 and 770 lb; 30 lb is outside it.' }]);
    expect((await coach.api.get(`/api/v1/clients/${clientId}/measurements`)).body).toMatchObject({
      units: 'imperial',
      items: [{ values: { weight: 220.46, waist: 39.37 } }, { values: { weight: 180.5, waist: 33.5 } }],
    });
    // Another account keeps its own units.
    expect((await business.admin.get('/api/v1/account/measurement-units')).body).toEqual({ units: 'metric' });
  });

  it('are changed by an admin only (403), read by staff only (403 for a client, 401 without a token), and must be metric or imperial (400)', async () => {
    const client = await signedInClient();
    expectProblem(await assigned.api.put('/api/v1/account/measurement-units', { units: 'imperial' }), 403, 'forbidden');
    expectProblem(await client.api.get('/api/v1/account/measurement-units'), 403, 'forbidden');
    expectProblem(await inProcess.api.get('/api/v1/account/measurement-units'), 401, 'unauthorized');
    expectProblem(await inProcess.api.put('/api/v1/account/measurement-units', { units: 'metric' }), 401, 'unauthorized');
    const stones = await business.admin.put('/api/v1/account/measurement-units', { units: 'stones' });
    expectProblem(stones, 400, 'validation_failed');
    expect(stones.body.detail).toBe('Choose metric (kg and cm) or imperial (lb and in).');
    expectProblem(await business.admin.put('/api/v1/account/measurement-units', {}), 400, 'validation_failed');
    expect((await business.admin.get('/api/v1/account/measurement-units')).body).toEqual({ units: 'metric' });
  });
});

describe('deleting the client', () => {
  it('makes their measurements unreadable in the events (key shredded) and removes them from the read model', async () => {
    const clientId = await addClient();
    const recorded = await assigned.api.post(`/api/v1/clients/${clientId}/measurements`, { values: { weight: 83.17 } });
    expect(recorded.status).toBe(201);
    const deps = inProcess.system.app.get<ClientsDeps>(CLIENTS_DEPS, { strict: false });
    const measurements = deps.documents.collection('client_measurements');
    expect(await measurements.count({ clientId })).toBe(1);
    const [stored] = (await deps.events.readStream(`client-${clientId}`)).filter((event) => event.type === 'ClientMeasurementRecorded');
    expect(JSON.stringify(stored.data)).not.toContain('83.17');
    const opened = () => new PersonalDataCipher(new KeyStore(deps.keys)).open(clientId, stored.data.personal as string);
    await expect(opened()).resolves.toEqual({ values: { weight: 83.17 } });

    expect((await business.admin.call('DELETE', `/api/v1/clients/${clientId}`)).status).toBe(204);

    await expect(opened()).resolves.toBeNull();
    expectProblem(await business.admin.get(`/api/v1/clients/${clientId}/measurements`), 404, 'not_found');
    expectProblem(await business.admin.get(`/api/v1/clients/${clientId}/history`), 404, 'not_found');
    expectProblem(await business.admin.post(`/api/v1/clients/${clientId}/measurements`, { values: { weight: 70 } }), 404, 'not_found');
    // The measurements projection deletes them once it reaches ClientDeleted.
    const deadline = Date.now() + 15_000;
    while ((await measurements.count({ clientId })) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await measurements.count({ clientId })).toBe(0);
  });
});

it('documents every progress route in the OpenAPI document', async () => {
  const doc = (await inProcess.api.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(doc.paths['/api/v1/clients/{id}/measurements'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/api/v1/me/measurements'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/api/v1/account/measurement-units'] ?? {}).sort()).toEqual(['get', 'put']);
});
