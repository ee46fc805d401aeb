import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { until } from '../support/faults-load';
import { Api, Business, newClient, signUp } from '../support/http';
import { inProcessForSuite } from '../support/in-process';
import { recordCheck } from '../support/reliability-report';

/**
 * Issue 17, finding 5, as a soak: 1,000 notes of 5,000 characters on one client (the attack)
 * while another account reads its list and a monitor reads /health. Before the fix, memory grew
 * from about 200 MB to gigabytes and stayed there after the load (every note rewrote a profile
 * row holding every note: multi-megabyte rows that the allocator kept), 20% of the notes failed
 * with 409 or 503, and the other tenant waited seconds. Now every note is recorded and none is
 * refused (201, or 503 "recorded, read model behind" when 200 in flight on a machine loaded by
 * other suites keep the projection more than its 5 s wait behind), and the process's resident
 * memory comes back near where it started once the load stops.
 */
const NOTES = Number(process.env.SOAK_NOTES ?? 1000);
const IN_FLIGHT = Number(process.env.SOAK_IN_FLIGHT ?? 200);
/** How far above its start the resident memory may stay after the load (before the fix: +850 MB for 1,000 notes here). */
const RSS_SLACK_MB = 200;

/** A full collection, with or without node --expose-gc. */
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
function settledMemory(): { rss: number; heap: number } {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: mb(rss), heap: mb(heapUsed) };
}

const inProcess = inProcessForSuite();

async function timedLoop(call: () => Promise<{ status: number }>, running: () => boolean): Promise<{ ms: number[]; failures: number }> {
  const ms: number[] = [];
  let failures = 0;
  while (running()) {
    const started = Date.now();
    const answer = await call();
    ms.push(Date.now() - started);
    if (answer.status !== 200) failures++;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ms, failures };
}
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

it(`${NOTES} notes of 5,000 characters on one client: all recorded and none refused, other tenants keep answering, and the memory comes back`, async () => {
  const attacker: Business = await signUp(inProcess.api);
  const neighbour: Business = await signUp(inProcess.api);
  for (let i = 0; i < 20; i++) await neighbour.admin.post('/api/v1/clients', newClient({ type: 'offline' }));
  const target = (await attacker.admin.post('/api/v1/clients', newClient({ type: 'offline' }))).body.id as string;
  const body = 'x'.repeat(5000);
  const note = (api: Api) => api.post(`/api/v1/clients/${target}/notes`, { body });

  // Warm up every path first, so the baseline already holds the code and caches a steady server holds.
  for (let i = 0; i < 20; i++) await note(attacker.admin);
  await neighbour.admin.get('/api/v1/clients?pageSize=25');
  const before = settledMemory();

  let loading = true;
  const neighbourReads = timedLoop(() => neighbour.admin.get('/api/v1/clients?pageSize=25'), () => loading);
  const healthReads = timedLoop(() => inProcess.api.get('/health'), () => loading);
  const statuses: Record<number, number> = {};
  const started = Date.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < NOTES) {
        sent++;
        const answer = await note(attacker.admin);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      }
    }),
  );
  const loadMs = Date.now() - started;
  loading = false;
  const [lists, health] = await Promise.all([neighbourReads, healthReads]);
  const peak = process.memoryUsage();

  // Every note is recorded. On a loaded machine (CI runs other suites beside this one) the notes'
  // read model may fall more than its wait behind: the answer is then 503 "recorded, the read
  // model is behind", never a failure, and the note is there once it catches up.
  expect({ ...statuses, 503: 0 }).toEqual({ 201: NOTES - (statuses[503] ?? 0), 503: 0 });
  expect(lists.failures).toBe(0);
  const profile = await until('every note in the profile', 60_000, async () => {
    const answer = await attacker.admin.get(`/api/v1/clients/${target}`);
    return answer.body.notesTotal === NOTES + 20 && answer;
  });
  expect(profile.body.notesTotal).toBe(NOTES + 20);

  // The memory comes back near its start once the load stops (waited for, not slept: a loaded machine frees it later).
  let after = settledMemory();
  await until('resident memory back near its start', 60_000, async () => {
    after = settledMemory();
    return after.rss <= before.rss + RSS_SLACK_MB;
  }, 500).catch((error) => {
    throw new Error(`${(error as Error).message}: ${before.rss} MB before, ${mb(peak.rss)} MB at the peak, ${after.rss} MB after`);
  });
  expect(after.heap).toBeLessThanOrEqual(before.heap + 100);

  const figures = `${NOTES} notes in ${loadMs} ms (${statuses[503] ?? 0} answered 503 while the read model caught up); RSS ${before.rss} -> peak ${mb(peak.rss)} -> ${after.rss} MB; heap ${before.heap} -> ${after.heap} MB; other tenant's list p50 ${percentile(lists.ms, 0.5)} ms, max ${Math.max(...lists.ms)} ms (${lists.ms.length} reads); /health p50 ${percentile(health.ms, 0.5)} ms, max ${Math.max(...health.ms)} ms`;
  recordCheck({ check: 'notes soak (issue 17, finding 5)', result: figures });
  process.stdout.write(`${figures}\n`);
  // Generous bounds for a shared, loaded machine; before the fix the neighbour waited 4 to 23 s.
  expect(percentile(lists.ms, 0.5)).toBeLessThan(1000);
  expect(percentile(health.ms, 0.5)).toBeLessThan(1000);
}, 600_000);
