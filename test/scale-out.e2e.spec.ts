import { poll as pollEvery, sleep } from './support/faults-load';
import { runOpsVerify } from './support/faults-stores';
import { Business, newClient, signUp, uniqueEmail } from './support/http';
import { deployedForSuite } from './support/deployments';
import { PROCESSORS, replicatedProcesses } from './support/replicas';

/**
 * Issue 11: two replicas of every service over the machine's NATS, with the embedded stores shared
 * per service. One replica runs each projection and outbox relay (leases); when it is killed,
 * another takes over within the lease TTL and the read models end identical to a fresh rebuild;
 * a holder paused past its TTL and resumed never writes again.
 */
// Long enough that a handover by release (SIGTERM) is told from one by expiry with room to spare on
// a loaded machine; requests get the same room, so an add made across a handover is not cut off.
const LEASE_TTL_MS = 4000;
const REQUEST_TIMEOUT_MS = 5000;

const deployed = deployedForSuite(() => replicatedProcesses({ env: { CLIENTELE_LEASE_TTL_MS: String(LEASE_TTL_MS), CLIENTELE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } }), 240_000);

const poll = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => pollEvery(what, timeoutMs, probe, 100);

/** `ops verify` of the clients service's read models: equal to a fresh rebuild. */
async function opsVerify(service: string): Promise<{ code: number; output: string }> {
  const run = await runOpsVerify(deployed.deployment.env(service).DATA_DIR, service);
  return { code: run.exitCode, output: run.stdout + run.stderr };
}

describe('two replicas of every service', () => {
  let business: Business;

  it('serves the roster through both gateways and both replicas of each service, with its rules intact', async () => {
    business = await signUp(deployed.api, 3);
    // Adds racing for the last seats, through both gateways and both clients replicas: exactly 3 win.
    const racing = await Promise.all(Array.from({ length: 8 }, () => business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    expect(racing.filter((r) => r.status === 409).every((r) => r.body.code === 'seat_limit_reached')).toBe(true);
    // Room for every later test's load (each adds clients as fast as it can).
    expect((await business.admin.patch('/api/v1/account', { seatLimit: 5000 })).status).toBe(200);
    // The roster learns the new limit from identity's integration event, a moment after the answer.
    await poll('the roster knows the new limit', 20_000, async () => ((await business.admin.get('/api/v1/account/seats')).body.limit === 5000 ? true : undefined));
    // One e-mail added twice at once, across replicas: exactly one wins.
    const email = uniqueEmail('twice');
    const twice = await Promise.all([business.admin.post('/api/v1/clients', newClient({ email })), business.admin.post('/api/v1/clients', newClient({ email }))]);
    expect(twice.map((r) => r.status).sort()).toEqual([201, 409]);
    // Read your writes, whichever replica answers: every request below may land anywhere.
    for (let i = 0; i < 6; i++) {
      const added = await business.admin.post('/api/v1/clients', newClient({ type: 'full_access_one_way', lastName: `Readback${i}` }));
      expect(added.status).toBe(201);
      expect((await business.admin.get(`/api/v1/clients/${added.body.id}`)).status).toBe(200);
      const changed = await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'full_access' });
      expect(changed.body.type).toBe('full_access');
      expect((await business.admin.get(`/api/v1/clients?search=Readback${i}`)).body.items.map((c: { type: string }) => c.type)).toEqual(['full_access']);
    }
  }, 120_000);

  it('runs each projection and outbox relay in exactly one replica', async () => {
    const holders = await deployed.deployment.leaseHolders();
    const processors = PROCESSORS;
    for (const processor of processors) expect({ processor, held: !!holders[processor] }).toEqual({ processor, held: true });
    // Each processor's log says "is active in this replica" in one replica only.
    for (const processor of processors) {
      const service = processor.split('_')[0];
      const active = deployed.deployment.replicas(service).filter((r) => deployed.deployment.output(r.name).includes(`${processor} is active in this replica`));
      expect({ processor, active: active.length }).toEqual({ processor, active: 1 });
    }
  });

  it('fails over when the replica running the clients projections is killed, and ends identical to a rebuild', async () => {
    const holder = (await deployed.deployment.leaseHolders())['clients_views'].holder;
    const victim = deployed.deployment.replicas('clients').find((r) => holder.includes(`:${r.process.child.pid}:`))!;
    expect(victim).toBeDefined();
    // Load across the kill: adds and purchases keep coming.
    const product = (await business.admin.post('/api/v1/products', { name: 'Failover camp', price: { amount: 1000, currency: 'EUR' } })).body;
    const acknowledged: string[] = [];
    const buyers: string[] = [];
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const added = await business.admin.post('/api/v1/clients', newClient({ type: 'offline', lastName: `Load${i}` })).catch(() => undefined);
        if (added?.status === 201) acknowledged.push(added.body.id);
        const email = uniqueEmail(`buyer${i}`);
        const bought = await deployed.api
          .post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'B', lastName: `Buyer${i}`, email } }, { 'idempotency-key': `k-${email}` })
          .catch(() => undefined);
        if (bought?.status === 201) buyers.push(email);
        await sleep(50);
      }
    })();
    await sleep(1000);
    await deployed.deployment.kill(victim.name);
    const killedAt = Date.now();
    const survivor = deployed.deployment.replicas('clients')[0];
    await poll('the surviving replica takes over clients_views', LEASE_TTL_MS * 4, async () =>
      deployed.deployment.output(survivor.name).includes('clients_views is active in this replica') ? true : undefined,
    );
    const takeoverMs = Date.now() - killedAt;
    await sleep(1500);
    loading = false;
    await load;
    console.log(`clients_views: killed its replica, the other took over after ${takeoverMs} ms (lease TTL ${LEASE_TTL_MS} ms); ${acknowledged.length} adds and ${buyers.length} purchases acknowledged across it`);
    // The TTL, then the survivor's next try; the rest is room for a loaded machine.
    expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + 6000);
    // Everything acknowledged is visible, buyers enrolled exactly once.
    await poll('every acknowledged client is listed', 30_000, async () => {
      const listed = await business.admin.get('/api/v1/clients?pageSize=100&search=Load');
      return listed.body.total >= acknowledged.length ? true : undefined;
    });
    for (const id of acknowledged) expect((await business.admin.get(`/api/v1/clients/${id}`)).status).toBe(200);
    for (const email of buyers) {
      const found = await poll(`buyer ${email} enrolled`, 30_000, async () => {
        const listed = await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`);
        return listed.body.total >= 1 ? listed.body.total : undefined;
      });
      expect(found).toBe(1);
    }
    // Restart the killed replica (it rejoins as a standby), stop writing, and compare with a rebuild.
    await deployed.deployment.restart(victim.name);
    await sleep(1000);
    const verified = await opsVerify('clients');
    expect({ code: verified.code, output: verified.code === 0 ? '' : verified.output }).toEqual({ code: 0, output: '' });
  }, 180_000);

  it('never lets a holder paused past its TTL write again after it resumes', async () => {
    const holder = (await deployed.deployment.leaseHolders())['clients_views'].holder;
    const paused = deployed.deployment.replicas('clients').find((r) => holder.includes(`:${r.process.child.pid}:`))!;
    const other = deployed.deployment.replicas('clients').find((r) => r !== paused)!;
    const before = deployed.deployment.output(paused.name).length;
    deployed.deployment.signal(paused.name, 'SIGSTOP');
    try {
      await poll('the other replica takes over while the holder is paused', LEASE_TTL_MS * 4, async () => {
        const now = (await deployed.deployment.leaseHolders())['clients_views'];
        return now && !now.holder.includes(`:${paused.process.child.pid}:`) ? true : undefined;
      });
      // Writes while it is paused, projected by the new holder. The paused process still holds its
      // NATS connection, so the queue group hands it some requests: those answer 503 unavailable
      // after the request timeout (never a 500), and a caller tries again.
      for (let i = 0; i < 5; i++) {
        for (let attempt = 1; ; attempt++) {
          const added = await business.admin.post('/api/v1/clients', newClient({ type: 'offline', lastName: `Paused${i}` }));
          if (added.status === 201) break;
          expect({ status: added.status, code: added.body.code }).toEqual({ status: 503, code: 'unavailable' });
          // Each attempt reaches the paused replica with probability 1/2: six in a row happened about
          // once in 13 runs of this test (5 clients × 1/64). Fifteen in a row: once in 6,500.
          expect(attempt).toBeLessThan(16);
        }
      }
    } finally {
      deployed.deployment.signal(paused.name, 'SIGCONT');
    }
    // After it resumes, more writes; the resumed replica must stand down without writing.
    await sleep(500);
    for (let i = 0; i < 5; i++) expect((await business.admin.post('/api/v1/clients', newClient({ type: 'offline', lastName: `Resumed${i}` }))).status).toBe(201);
    await sleep(LEASE_TTL_MS);
    const after = deployed.deployment.output(paused.name).slice(before);
    expect(after).toMatch(/clients_views stood down in this replica/);
    // It found the lease gone before writing: no commit of it was even attempted, let alone refused.
    expect(after).not.toMatch(/FencedOffError|clients_views failed/);
    expect((await deployed.deployment.leaseHolders())['clients_views'].holder).toContain(`:${other.process.child.pid}:`);
    expect((await business.admin.get('/api/v1/clients?search=Resumed')).body.total).toBe(5);
    const verified = await opsVerify('clients');
    expect({ code: verified.code, output: verified.code === 0 ? '' : verified.output }).toEqual({ code: 0, output: '' });
  }, 300_000);

  it('on SIGTERM, a replica finishes what it took, hands its leases over at once, and exits 0', async () => {
    const holder = (await deployed.deployment.leaseHolders())['clients_views'].holder;
    const leaving = deployed.deployment.replicas('clients').find((r) => holder.includes(`:${r.process.child.pid}:`))!;
    const staying = deployed.deployment.replicas('clients').find((r) => r !== leaving)!;
    const answers: number[] = [];
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) answers.push((await business.admin.post('/api/v1/clients', newClient({ type: 'offline', lastName: `Leaving${i}` }))).status);
    })();
    await sleep(500);
    const before = deployed.deployment.output(staying.name).length;
    const stoppedAt = Date.now();
    deployed.deployment.signal(leaving.name, 'SIGTERM');
    await poll('the other replica takes clients_views over', LEASE_TTL_MS * 3, async () =>
      deployed.deployment.output(staying.name).slice(before).includes('clients_views is active in this replica') ? true : undefined,
    );
    const handoverMs = Date.now() - stoppedAt;
    expect(await leaving.process.exited).toBe(0);
    await sleep(500);
    loading = false;
    await load;
    console.log(`SIGTERM: clients_views handed over in ${handoverMs} ms (lease TTL ${LEASE_TTL_MS} ms); ${answers.length} adds meanwhile: ${JSON.stringify(answers.reduce<Record<number, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {}))}`);
    // Released, not expired: well under the TTL. And no request was dropped by the stopping replica.
    expect(handoverMs).toBeLessThan(LEASE_TTL_MS);
    expect(answers.filter((status) => status !== 201)).toEqual([]);
    expect((await business.admin.get('/api/v1/clients?search=Leaving')).body.total).toBe(answers.length);
  }, 60_000);
});
