import { deployedForSuite } from './support/deployments';
import { EVERY_MODE } from './support/replicas';
import { Api, PASSWORD, addCoach, login, newClient, signUp, uniqueEmail } from './support/http';

/**
 * The first slice end to end, run in each way: the whole system in one OS process (`npm start`),
 * every service as its own OS process over the NATS server on this machine, each with its own
 * SQLite stores, and two replicas of each. Same scenario, same assertions: one code path.
 */
describe.each(EVERY_MODE)('first slice %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy, 240_000);

  it('signs up, signs in, adds clients of each type and lists them; coaches see only theirs', async () => {
    const business = await signUp(deployed.api, 10);
    for (const type of ['full_access', 'full_access_one_way', 'offline']) {
      const added = await business.admin.post('/api/v1/clients', newClient({ type, lastName: type }));
      expect(added.status).toBe(201);
    }
    const coach = await addCoach(business);
    const coachsClient = await coach.api.post('/api/v1/clients', newClient({ lastName: 'Zed' }));
    expect(coachsClient.status).toBe(201);

    const all = await business.admin.get('/api/v1/clients?sort=name');
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((c: { lastName: string; type: string }) => [c.lastName, c.type])).toEqual([
      ['full_access', 'full_access'],
      ['full_access_one_way', 'full_access_one_way'],
      ['offline', 'offline'],
      ['Zed', 'full_access'],
    ]);
    expect((await coach.api.get('/api/v1/clients')).body.items.map((c: { id: string }) => c.id)).toEqual([coachsClient.body.id]);
    expect((await coach.api.get(`/api/v1/clients/${all.body.items[0].id}`)).status).toBe(404);
    expect((await business.admin.get(`/api/v1/clients/${coachsClient.body.id}`)).status).toBe(200);
    expect((await business.admin.get('/api/v1/clients/recent?limit=1')).body.items[0].id).toBe(coachsClient.body.id);
  });

  it('lets exactly one of two concurrent adds of one e-mail win', async () => {
    const business = await signUp(deployed.api);
    const email = uniqueEmail('twice');
    const attempts = await Promise.all([
      business.admin.post('/api/v1/clients', newClient({ email })),
      business.admin.post('/api/v1/clients', newClient({ email: email.toUpperCase() })),
    ]);
    expect(attempts.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(attempts.find((a) => a.status === 409)!.body.code).toBe('email_taken');
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(1);
  });

  it('lets exactly the free number of concurrent adds take the last seats', async () => {
    const business = await signUp(deployed.api, 5);
    await business.admin.post('/api/v1/clients', newClient());
    await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }));
    const attempts = await Promise.all(Array.from({ length: 8 }, () => business.admin.post('/api/v1/clients', newClient())));
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(attempts.filter((a) => a.status === 409).every((a) => a.body.code === 'seat_limit_reached')).toBe(true);
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(5);
  });

  it('keeps data and issued tokens across a restart', async () => {
    const business = await signUp(deployed.api);
    const added = await business.admin.post('/api/v1/clients', newClient());
    const api = await deployed.restart();
    const afterRestart = new Api(api.baseUrl, business.token);
    expect((await afterRestart.get(`/api/v1/clients/${added.body.id}`)).body).toEqual(added.body);
    expect(await login(api, business.email, PASSWORD)).toEqual(expect.any(String));
    expect((await afterRestart.post('/api/v1/clients', newClient())).status).toBe(201);
  }, 240_000);
});
