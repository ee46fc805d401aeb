import { PROJECTION_SETS } from '@clientele/host';
import { WorkHealth } from '@clientele/platform/application';
import { loadConfig } from '@clientele/platform/config';
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { runOps } from '../apps/ops/src/main';
import { OpsContext, type OpsOutput } from '../apps/ops/src/ops-context';
import { RebuildAlreadyRunningError } from '../apps/ops/src/projection-replay/rebuild-lock';
import { rebuildProjection } from '../apps/ops/src/rebuild/rebuild';
import { verifyProjection } from '../apps/ops/src/verify/verify';
import { Business, PASSWORD, mailToken, newClient, signUp } from './support/http';
import { RunningSystem, startInProcess } from './support/in-process';

const clientsSet = PROJECTION_SETS.find((s) => s.name === 'clients')!;

function captured(): OpsOutput & { stdout: string; stderr: string } {
  const output = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
  return output;
}

describe('ops rebuild and verify (embedded profile, services running)', () => {
  let system: RunningSystem;
  let business: Business;
  let ops: OpsContext;
  const clientIds: string[] = [];
  /** A client who accepted the invitation (had a login) and was then deleted (issue 17, finding 6). */
  let formerClient: { id: string; email: string };

  beforeAll(async () => {
    system = await startInProcess();
    business = await signUp(system.api);
    for (let i = 0; i < 12; i++) {
      const added = await business.admin.post('/api/v1/clients', newClient({ lastName: `Client${i}`, type: i % 3 === 0 ? 'offline' : 'full_access' }));
      expect(added.status).toBe(201);
      clientIds.push(added.body.id);
    }
    await business.admin.put(`/api/v1/clients/${clientIds[0]}/type`, { type: 'full_access_one_way' });
    await business.admin.post(`/api/v1/clients/${clientIds[1]}/notes`, { body: 'Knee injury: no squats' });
    await business.admin.post(`/api/v1/clients/${clientIds[1]}/messages`, { body: 'See you Monday' });
    await business.admin.post('/api/v1/clients/bulk/type', { clientIds: clientIds.slice(2, 6), type: 'offline' });
    await business.admin.call('DELETE', `/api/v1/clients/${clientIds[11]}`);
    await business.admin.post('/api/v1/products', { name: '12-week strength', price: { amount: 4900, currency: 'EUR' } });
    // Sessions (a place sealed with the client's key), a bundle paid and consumed by a completed
    // session, a session payment and a refund (the scheduling set), and a session link (clients).
    const bundle = await business.admin.post(`/api/v1/clients/${clientIds[1]}/programs`, { name: '5 sessions', sessions: 5, price: { amount: 20000, currency: 'EUR' } });
    expect((await business.admin.post(`/api/v1/clients/${clientIds[1]}/programs/${bundle.body.id}/payment`, {})).status).toBe(200);
    const held = await business.admin.post(`/api/v1/clients/${clientIds[1]}/sessions`, {
      start: new Date(Date.now() - 86_400_000).toISOString(),
      durationMinutes: 60,
      location: '12 Garden Lane',
      price: { amount: 5000, currency: 'EUR' },
    });
    expect(held.status).toBe(201);
    expect((await business.admin.post(`/api/v1/sessions/${held.body.id}/complete`, {})).body.bundleId).toBe(bundle.body.id);
    const coming = await business.admin.post(`/api/v1/clients/${clientIds[2]}/sessions`, { start: new Date(Date.now() + 86_400_000).toISOString(), durationMinutes: 45, price: { amount: 5000, currency: 'EUR' } });
    expect((await business.admin.post(`/api/v1/sessions/${coming.body.id}/payment`, {})).status).toBe(200);
    expect((await business.admin.post(`/api/v1/sessions/${coming.body.id}/refund`)).status).toBe(200);
    formerClient = await acceptedClient('Former');
    expect((await business.admin.call('DELETE', `/api/v1/clients/${formerClient.id}`)).status).toBe(204);
    ops = new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), captured(), 'test-operator');
  }, 60_000);

  /** Adds a client who gets an app login: invited, and the invitation accepted. */
  const acceptedClient = async (lastName: string) => {
    const added = await business.admin.post('/api/v1/clients', newClient({ lastName, type: 'full_access' }));
    expect(added.status).toBe(201);
    const token = await mailToken(system.api, added.body.email, 'invitation', 15_000);
    const accepted = await system.api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    return { id: added.body.id as string, email: added.body.email as string };
  };

  afterAll(async () => {
    await ops?.close();
    await system?.stop();
  });

  const stores = async (service = 'clients' as const) => [await ops.eventStore(service), await ops.documentStore(service), await ops.keyStore(service)] as const;

  it('verify finds every projection identical to a replay of its events', async () => {
    for (const set of PROJECTION_SETS) {
      const [events, documents, keys] = await stores(set.service as 'clients');
      const result = await verifyProjection(events, documents, keys, set);
      expect({ set: set.name, differences: result.differences, lagging: result.lagging }).toEqual({ set: set.name, differences: [], lagging: [] });
      expect(result.documents).toBeGreaterThan(0);
    }
  });

  it('verifies and rebuilds identity (the CLI) with a deleted client who had a login, and identity keeps serving after', async () => {
    const verified = captured();
    const make = (output: OpsOutput) => () => new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), output, 'test-operator');
    expect({ code: await runOps(['verify'], make(verified)), stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });
    expect(verified.stdout).toMatch(/^identity: \d+ documents replayed to position \d+, identical to the live read model$/m);

    // A rebuild shows its progress on stderr; it failed with "a document needs a non-empty string id".
    const clean = { code: 0, stderr: expect.not.stringMatching(/error|fail|non-empty/i) };
    const rebuilt = captured();
    expect({ code: await runOps(['rebuild', '--projection', 'identity'], make(rebuilt)), stderr: rebuilt.stderr }).toEqual(clean);
    expect(rebuilt.stderr).toMatch(/swapping/);
    const fromScratch = captured();
    expect({ code: await runOps(['rebuild', '--projection', 'identity', '--restart'], make(fromScratch)), stderr: fromScratch.stderr }).toEqual(clean);
    const again = captured();
    expect({ code: await runOps(['verify', '--projection', 'identity'], make(again)), stderr: again.stderr }).toEqual({ code: 0, stderr: '' });

    // The deleted client's login stays gone, and the live client-logins projection works on the
    // rebuilt read models: a new invitation is accepted (it answered 503 while the projection failed).
    expect((await system.api.post('/api/v1/auth/login', { email: formerClient.email, password: PASSWORD })).status).toBe(401);
    await acceptedClient('AfterRebuild');
    const identityWorkers = WorkHealth.process.workers('identity');
    expect(identityWorkers.map((w) => w.name)).toContain('identity_client_logins');
    expect(identityWorkers.filter((w) => w.consecutiveFailures > 0)).toEqual([]);
    const health = await system.api.get('/health');
    expect({ status: health.status, identity: health.body.checks.identity }).toEqual({ status: 200, identity: { status: 'up' } });
  }, 90_000);

  it('rebuilds the clients read model while writes continue; the result equals an incremental build', async () => {
    const [events, documents, keys] = await stores();
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const added = await business.admin.post('/api/v1/clients', newClient({ lastName: `During${written}`, type: 'offline' }));
        expect(added.status).toBe(201);
        expect((await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'full_access' })).status).toBe(200);
        written++;
      }
    })();
    // Small pages make the rebuild long enough for writes to land before, during and after the swap.
    const result = await rebuildProjection(events, documents, keys, clientsSet, { pageSize: 3, onProgress: () => new Promise((r) => setImmediate(r)) as unknown as void });
    await new Promise((resolve) => setTimeout(resolve, 300));
    writing = false;
    await writer;
    expect(result.outcome).toBe('swapped');
    expect(written).toBeGreaterThan(0);

    const verified = await verifyProjection(events, documents, keys, clientsSet);
    expect(verified.differences).toEqual([]);
    // The services keep serving from the rebuilt collection, its search index included.
    const listed = await business.admin.get('/api/v1/clients?search=during');
    expect(listed.body).toMatchObject({ total: written });
    expect(listed.body.total).toBe(written);
    expect((await business.admin.get(`/api/v1/clients/${clientIds[1]}`)).body.notes).toHaveLength(1);
    expect((await business.admin.get(`/api/v1/clients/${clientIds[11]}`)).status).toBe(404);
  }, 60_000);

  it('resumes an interrupted rebuild from its checkpoint', async () => {
    const [events, documents, keys] = await stores();
    let batches = 0;
    const first = await rebuildProjection(events, documents, keys, clientsSet, { pageSize: 4, onProgress: () => void batches++, shouldStop: () => batches >= 2 });
    expect(first.outcome).toBe('interrupted');
    expect(first.position).not.toBeNull();

    const second = await rebuildProjection(events, documents, keys, clientsSet, { pageSize: 4 });
    expect(second.outcome).toBe('swapped');
    expect(second.resumedFrom).toBe(first.position);
    expect(second.events).toBeLessThan(first.events + second.events);
    expect((await verifyProjection(events, documents, keys, clientsSet)).differences).toEqual([]);

    // --restart throws the unfinished work away and replays everything.
    batches = 0;
    await rebuildProjection(events, documents, keys, clientsSet, { pageSize: 4, onProgress: () => void batches++, shouldStop: () => batches >= 1 });
    const restarted = await rebuildProjection(events, documents, keys, clientsSet, { restart: true });
    expect(restarted.resumedFrom).toBeNull();
    expect((await verifyProjection(events, documents, keys, clientsSet)).differences).toEqual([]);
  }, 60_000);

  it('refuses a second rebuild of the same projection while one runs, and takes over the lock of a dead one', async () => {
    const [events, documents, keys] = await stores();
    const [a, b] = await Promise.allSettled([rebuildProjection(events, documents, keys, clientsSet), rebuildProjection(events, documents, keys, clientsSet)]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? r.value.outcome : r.reason.constructor.name)).sort();
    expect(outcomes).toEqual([RebuildAlreadyRunningError.name, 'swapped']);
    // The lock goes with the rebuild that held it.
    expect((await rebuildProjection(events, documents, keys, clientsSet)).outcome).toBe('swapped');

    // A lock left by a process that no longer exists (kill -9 mid-rebuild) does not block the next one.
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    await documents.commit([
      { op: 'insert', collection: 'ops_locks', doc: { id: 'rebuild_clients', host: hostname(), pid: deadPid, startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString() } },
    ]);
    expect((await rebuildProjection(events, documents, keys, clientsSet)).outcome).toBe('swapped');
  }, 60_000);

  it('verify reports a read model tampered with, and exits 1', async () => {
    const [, documents, keys] = await stores();
    const victim = await documents.collection('clients').get(clientIds[7]);
    await documents.commit([
      { op: 'upsert', collection: 'clients', doc: { ...victim!, lastName: 'Tampered' } },
      { op: 'delete', collection: 'clients', id: clientIds[8] },
      { op: 'upsert', collection: 'clients', doc: { id: 'ghost', accountId: business.accountId } },
    ]);
    const output = captured();
    const code = await runOps(['verify', '--projection', 'clients'], () => new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), output, 'test-operator'));
    expect(code).toBe(1);
    expect(output.stdout).toContain('3 differ');
    expect(output.stdout).toMatch(new RegExp(`clients/${clientIds[7]}  changed .* fields: lastName$`, 'm'));
    expect(output.stdout).toContain(`clients/${clientIds[8]}  missing from the live read model`);
    expect(output.stdout).toContain('clients/ghost  in the live read model, but no event produces it');

    // A rebuild repairs it.
    const [events] = await stores();
    await rebuildProjection(events, documents, keys, clientsSet);
    const clean = captured();
    expect(await runOps(['verify', '--projection', 'clients'], () => new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), clean, 'test-operator'))).toBe(0);
    expect(clean.stdout).toContain('identical to the live read model');
  }, 60_000);

  it('answers a wrong call with exit code 2 and what to do', async () => {
    const output = captured();
    const make = () => new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), output, 'test-operator');
    expect(await runOps(['rebuild'], make)).toBe(2);
    expect(await runOps(['rebuild', '--projection', 'nope'], make)).toBe(2);
    expect(await runOps(['verify', '--frobnicate'], make)).toBe(2);
    expect(await runOps(['no-such-command'], make)).toBe(2);
  });
});
