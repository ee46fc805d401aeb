import { parse } from 'csv-parse/sync';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Api, Business, addCoach, signUp, uniqueEmail } from '../support/http';
import { inProcessForSuite } from '../support/in-process';
import { recordCheck } from '../support/reliability-report';
import { ClientsController } from '../../libs/gateway/http/src/clients/clients.controller';
import type { ImportSlots } from '../../libs/gateway/http/src/clients/csv-import';

/**
 * Issue 17, finding 4: a CSV import could take the server down for every tenant (1.4 MB of invalid
 * rows gave a 51.7 MB answer; 15.4 MB gave a 500 after 225 s with 2.47 GB of memory; 80 MB reset the
 * connection; other accounts' lists took 4 to 28 s meanwhile). The limits of the API (README,
 * OpenAPI): at most 10,000 rows and 4 MiB per file, answered 413 `payload_too_large` before
 * anything is imported; the answer holds the first 100 refusals, the counts, and a link to the full
 * report (a streamed CSV, the importer's and the admins' only); one import at a time per account
 * (two more wait their turn, then 429).
 */
const MAX_ROWS = 10_000;
const MAX_BYTES = 4 * 1024 * 1024;
const INLINE_REFUSALS = 100;
const HEADER = 'firstName,lastName,email,phone,type';
const LIMITS = /at most 10,000 rows and 4 MiB per file; split the file/;

/** A POST whose body is produced while it is sent (chunked, no Content-Length), as a browser streams a file. */
async function streamingImport(api: Api, token: string, produce: () => AsyncGenerator<string>): Promise<{ status: number; body: any; headers: Headers }> {
  const source = produce();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel: () => void source.return(undefined),
  });
  const response = await fetch(`${api.baseUrl}/api/v1/clients/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

const importCsv = (api: Api, csv: string) => api.call<any>('POST', '/api/v1/clients/import', csv, { 'content-type': 'text/csv' });
const totalOf = async (api: Api, search: string) => (await api.get(`/api/v1/clients?search=${search}&pageSize=1`)).body.total as number;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

describe('CSV import: bounded rows, bytes, report, memory and fairness (issue 17, finding 4)', () => {
  // This suite is about limits and fairness, not latency: a loaded CI machine may hold one of the
  // import's commands past the default 5 s, and 503 is then the right answer, but not what is tested.
  const inProcess = inProcessForSuite({ CLIENTELE_REQUEST_TIMEOUT_MS: '30000' });
  let a: Business;
  let b: Business;

  beforeAll(async () => {
    a = await signUp(inProcess.api);
    b = await signUp(inProcess.api);
  }, 60_000);

  it('refuses a file over the byte cap with 413, from its Content-Length, and imports nothing', async () => {
    const marker = `Bytes${Date.now().toString(36)}`;
    const row = `Ann,${marker},${'x'.repeat(40)}@example.com,,offline\n`;
    const csv = `${HEADER}\n${row.repeat(Math.ceil((MAX_BYTES + 1024) / row.length))}`;
    const started = Date.now();
    const refused = await importCsv(a.admin, csv);
    expect([refused.status, refused.body.code]).toEqual([413, 'payload_too_large']);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toMatch(LIMITS);
    expect(await totalOf(a.admin, marker)).toBe(0);
    recordCheck({ check: 'CSV import over 4 MiB', result: `413 payload_too_large after ${Date.now() - started} ms, nothing imported` });
  }, 60_000);

  it('stops reading a streamed upload once it passes the byte cap, and answers 413 instead of a reset', async () => {
    // 80 MB offered without a Content-Length (the attack): the server must refuse it having read little more than the cap.
    let offered = 0;
    const started = Date.now();
    const refused = await streamingImport(a.admin, a.token, async function* () {
      yield `${HEADER}\n`;
      const block = `Ann,Stream,${'y'.repeat(60)}@example.com,,offline\n`.repeat(1000);
      while (offered < 80 * 1024 * 1024) {
        offered += block.length;
        yield block;
      }
    });
    expect([refused.status, refused.body.code]).toEqual([413, 'payload_too_large']);
    expect(refused.body.detail).toMatch(LIMITS);
    // The client is still sending when the answer comes (only what the socket buffers can hold was taken beyond the cap).
    expect(offered).toBeLessThan(40 * 1024 * 1024);
    recordCheck({ check: 'CSV import streamed without length', result: `413 after ${Date.now() - started} ms, ${(offered / 1024 / 1024).toFixed(1)} MiB of 80 offered` });
  }, 60_000);

  it('refuses a file over the row cap with 413 and imports none of it', async () => {
    const marker = `Rows${Date.now().toString(36)}`;
    const csv = [HEADER, ...Array.from({ length: MAX_ROWS + 1 }, (_, i) => `A${i},${marker},r${i}.${marker}@example.com,,offline`)].join('\n');
    expect(Buffer.byteLength(csv)).toBeLessThan(MAX_BYTES);
    const refused = await importCsv(a.admin, csv);
    expect([refused.status, refused.body.code]).toEqual([413, 'payload_too_large']);
    expect(refused.body.detail).toMatch(LIMITS);
    expect(await totalOf(a.admin, marker)).toBe(0);
  }, 120_000);

  it('answers 5,000 refused rows with a small report, and streams the full one to the importer only', async () => {
    const marker = `Bad${Date.now().toString(36)}`;
    // Every row is refused: a long first name (echoed nowhere), no e-mail, an unknown type.
    const csv = [HEADER, ...Array.from({ length: 5000 }, (_, i) => `${'N'.repeat(300)},${marker}${i},,,everyone`)].join('\n');
    const answer = await importCsv(a.admin, csv);
    expect(answer.status).toBe(200);
    const size = JSON.stringify(answer.body).length;
    expect(size).toBeLessThan(64 * 1024);
    expect(answer.body).toMatchObject({ created: 0, failedCount: 5000, truncated: true, importId: expect.any(String), reportUrl: expect.stringMatching(/^\/api\/v1\/clients\/imports\/[^/]+\/report$/) });
    expect(answer.body.failed.length).toBeLessThanOrEqual(INLINE_REFUSALS);
    expect(answer.body.failed[0]).toEqual({ row: 2, errors: expect.arrayContaining([{ field: 'firstName', message: 'Shorten the first name to 100 characters or fewer.' }]) });
    expect(JSON.stringify(answer.body)).not.toContain('N'.repeat(101));

    const report = await a.admin.call<string>('GET', answer.body.reportUrl);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(report.headers.get('content-disposition')).toMatch(/^attachment; filename="import-.+-report\.csv"$/);
    const records = parse(String(report.body).replace(/^\ufeff/, ''), { columns: true }) as Array<{ row: string; field: string; message: string }>;
    expect(Object.keys(records[0])).toEqual(['row', 'field', 'message']);
    const rows = new Set(records.map((r) => Number(r.row)));
    expect(rows.size).toBe(5000);
    expect(Math.min(...rows)).toBe(2);
    expect(Math.max(...rows)).toBe(5001);
    expect(records.filter((r) => r.field === 'type')).toHaveLength(5000);
    // The report reads like the screen: a sentence per problem, not the services' fragments ("is required").
    expect(records.filter((r) => !/^[A-Z].*\.$/.test(r.message))).toEqual([]);
    expect(String(report.body)).not.toContain('N'.repeat(101));

    // Another account, a coach of the same account who may import but did not run it, and the anonymous: nothing.
    const other = await b.admin.get<any>(answer.body.reportUrl);
    expect([other.status, other.body.code]).toEqual([404, 'not_found']);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const importer = await addCoach(a, ['import_clients']);
    expect((await importer.api.get<any>(answer.body.reportUrl)).status).toBe(404);
    expect((await (await addCoach(a)).api.get<any>(answer.body.reportUrl)).status).toBe(403);
    expect((await inProcess.api.get<any>(answer.body.reportUrl)).status).toBe(401);
    expect((await a.admin.get<any>('/api/v1/clients/imports/00000000-0000-4000-8000-000000000000/report')).status).toBe(404);
    recordCheck({ check: 'CSV import report', result: `5,000 refused rows: a ${(size / 1024).toFixed(1)} KB answer with ${answer.body.failed.length} refusals; full report streamed (${records.length} lines); other account 404` });
  }, 120_000);

  it('never echoes a huge cell in a refusal of the file', async () => {
    const refused = await importCsv(a.admin, `${HEADER}\n${'Q'.repeat(200_000)}"x,b,c,,offline`);
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
    expect(JSON.stringify(refused.body).length).toBeLessThan(2000);
  });

  it('runs one import at a time per account: two more wait their turn, a fourth gets 429 with Retry-After; other accounts go on', async () => {
    const slots: ImportSlots = inProcess.system.app.get(ClientsController, { strict: false })['importSlots'];
    const until = async (condition: () => boolean) => {
      for (const deadline = Date.now() + 20_000; !condition(); await new Promise((resolve) => setImmediate(resolve))) {
        if (Date.now() > deadline) throw new Error('the import slots never reached the expected state');
      }
    };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const marker = `Held${Date.now().toString(36)}`;
    const first = streamingImport(a.admin, a.token, async function* () {
      yield `${HEADER}\nAnn,${marker},${uniqueEmail('held')},,offline\n`;
      await held;
    });
    await until(() => slots.state(a.accountId).running);
    const queued = [importCsv(a.admin, `${HEADER}\nQ1,${marker},${uniqueEmail('q1')},,offline`), importCsv(a.admin, `${HEADER}\nQ2,${marker},${uniqueEmail('q2')},,offline`)];
    await until(() => slots.state(a.accountId).waiting === 2);
    const busy = await importCsv(a.admin, HEADER);
    expect([busy.status, busy.body.code]).toEqual([429, 'rate_limited']);
    expect(busy.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not held up by it.
    expect((await importCsv(b.admin, `${HEADER}\nBea,Other,${uniqueEmail('other')},,offline`)).body.created).toBe(1);
    expect(slots.state(a.accountId).waiting).toBe(2);
    release();
    expect((await first).body).toMatchObject({ created: 1, failed: [] });
    for (const answer of await Promise.all(queued)) expect(answer.body).toMatchObject({ created: 1, failed: [] });
    expect(await totalOf(a.admin, marker)).toBe(3);
    expect(slots.state(a.accountId)).toEqual({ running: false, waiting: 0 });
  }, 60_000);

  it("keeps another account's lists fast and the memory flat while an import of the maximum size runs", async () => {
    const marker = `Max${Date.now().toString(36)}`;
    // The largest file allowed: 10,000 rows, half of them valid clients, half refused rows padded to fill the 4 MiB.
    const pad = 'P'.repeat(750);
    const lines = Array.from({ length: MAX_ROWS }, (_, i) => (i % 2 ? `${pad},${marker},,,offline` : `Cli${i},${marker},m${i}.${marker}@example.com,,offline`));
    const csv = [HEADER, ...lines].join('\n');
    expect(Buffer.byteLength(csv)).toBeLessThanOrEqual(MAX_BYTES);
    expect(Buffer.byteLength(csv)).toBeGreaterThan(MAX_BYTES * 0.9);
    for (let i = 0; i < 30; i++) await b.admin.post('/api/v1/clients', { firstName: `B${i}`, lastName: 'Reader', email: uniqueEmail('reader'), type: 'offline' });

    const listOnce = async () => {
      const t = performance.now();
      const listed = await b.admin.get('/api/v1/clients?pageSize=25&sort=name');
      expect(listed.status).toBe(200);
      return performance.now() - t;
    };
    const baseline: number[] = [];
    for (let i = 0; i < 40; i++) baseline.push(await listOnce());

    // Meanwhile a third account sends the attack's file: 15.4 MB of refused rows (it took 225 s and 2.47 GB before the limits).
    const attacker = await signUp(inProcess.api);
    const attackCsv = `${HEADER}\n${',,,,\n'.repeat(Math.ceil(15.4e6 / 5))}`;

    // The memory the import holds, not the garbage V8 has not collected yet: V8 may let garbage
    // grow by hundreds of MB before a full collection (the reader below makes plenty), so the RSS
    // peak says more about the collector's timing than about the import. What is still reachable
    // right after a full collection is what the import holds: that is sampled every 2 s, between
    // two lists, so that no list's time includes the collection. (A full
    // collection every 250 ms, tried first, cost most of a loaded CI machine's time with this
    // worker's heap: the import took a minute and its commands timed out.)
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const live = () => {
      collect();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };
    const liveBefore = live();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let livePeak = liveBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 25);
    const during: number[] = [];
    let done = false;
    const started = Date.now();
    const imported = importCsv(a.admin, csv).finally(() => (done = true));
    const attack = importCsv(attacker.admin, attackCsv);
    try {
      for (let sampled = Date.now(); !done; ) {
        during.push(await listOnce());
        if (Date.now() - sampled >= 2000) {
          livePeak = Math.max(livePeak, live());
          sampled = Date.now();
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const answer = await imported;
    const attacked = await attack;
    const seconds = (Date.now() - started) / 1000;
    const p95Base = percentile(baseline, 95);
    const p95 = percentile(during, 95);
    livePeak = Math.max(livePeak, live());
    const growthMb = (livePeak - liveBefore) / 1024 / 1024;
    const rssGrowthMb = (rssPeak - rssBefore) / 1024 / 1024;
    const result = `import of 10,000 rows (${(Buffer.byteLength(csv) / 1024 / 1024).toFixed(1)} MiB) in ${seconds.toFixed(1)} s; other account's list p95 ${p95.toFixed(0)} ms (baseline ${p95Base.toFixed(0)} ms, ${during.length} lists); memory held +${growthMb.toFixed(0)} MB after full collections (RSS peak +${rssGrowthMb.toFixed(0)} MB, garbage included)`;
    process.stdout.write(`${result}\n`);
    recordCheck({ check: 'CSV import fairness', result });
    expect([attacked.status, attacked.body.code]).toEqual([413, 'payload_too_large']);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: MAX_ROWS / 2, failedCount: MAX_ROWS / 2, truncated: true });
    expect(JSON.stringify(answer.body).length).toBeLessThan(64 * 1024);
    expect(during.length).toBeGreaterThanOrEqual(10);
    // A loaded 2-core machine: far under the 4 to 28 s of the attack, and within reach of the quiet baseline.
    expect(p95).toBeLessThan(Math.max(750, 10 * p95Base));
    expect(growthMb).toBeLessThan(300);
  }, 300_000);
});
