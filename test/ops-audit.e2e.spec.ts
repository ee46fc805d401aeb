import { loadConfig } from '@clientele/platform/config';
import { randomUUID } from 'node:crypto';
import { Api, Business, newClient, signUp } from './support/http';
import { RunningSystem, startInProcess } from './support/in-process';
import { OpsContext, OpsOutput, UsageError } from '../apps/ops/src/ops-context';
import { AUDIT_RUN_RECORDED, openOpsEventStore } from '../apps/ops/src/audit/audit-log';
import { auditCommand } from '../apps/ops/src/audit/audit.command';

/** The audit trail of a scripted history, built by the real system over HTTP (embedded profile). */
let system: RunningSystem;
let api: Api;
let business: Business;
let clientId: string;
let otherId: string;

function capture(): OpsOutput & { stdout: string; stderr: string } {
  const sink = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (sink.stdout += t), err: (t: string) => void (sink.stderr += t) };
  return sink;
}

async function runAudit(args: string[]) {
  const output = capture();
  const context = new OpsContext(loadConfig({ DATA_DIR: system.dataDir }), output, 'test-operator');
  try {
    const code = await auditCommand.run(context, args);
    return { code, ...output };
  } finally {
    await context.close();
  }
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

beforeAll(async () => {
  system = await startInProcess();
  api = system.api;
  business = await signUp(api);
  const add = async (overrides: Record<string, unknown>) => {
    const added = await business.admin.post('/api/v1/clients', newClient(overrides));
    if (added.status !== 201) throw new Error(JSON.stringify(added.body));
    return added.body.id as string;
  };
  clientId = await add({ firstName: 'Ada', lastName: 'Lovelace, Countess', email: 'ada@example.com', type: 'full_access' });
  otherId = await add({ firstName: 'Bo', lastName: 'Other, "Jr"', type: 'full_access' });
  expect((await business.admin.put(`/api/v1/clients/${clientId}/type`, { type: 'offline' })).status).toBe(200);
  expect((await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [clientId, otherId], type: 'full_access_one_way' })).status).toBe(200);
  expect((await business.admin.call('DELETE', `/api/v1/clients/${clientId}`)).status).toBe(204);
}, 30000);
afterAll(() => system?.stop());

describe('ops audit client', () => {
  it('prints the history as CSV: the type change, the bulk change, the deletion, and erased personal data', async () => {
    const result = await runAudit(['client', clientId, '--csv']);
    expect(result.code).toBe(0);
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual(['time', 'service', 'stream', 'position', 'event', 'actorId', 'actorRole', 'accountId', 'changes', 'typeTransition', 'bulk', 'correlationId']);
    const owner = business.ownerId;
    const account = business.accountId;
    // time, position and correlationId vary from run to run: checked for shape only.
    for (const row of rows) {
      expect(row[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(row[3]).toMatch(/^\d+$/);
    }
    const stable = rows.map((row) => [row[1], row[2], row[4], row[5], row[6], row[7], row[8], row[9], row[10]]);
    const stream = `client-${clientId}`;
    // The client's streams in other services come with it (here: identity's app-access stream).
    expect(stable.filter((row) => row[0] === 'identity').map((row) => [row[1], row[2]])).toEqual(
      expect.arrayContaining([
        [`clientlogin-${clientId}`, 'ClientInvitationIssued'],
        [`clientlogin-${clientId}`, 'ClientAccessRevoked'],
      ]),
    );
    expect(stable.filter((row) => row[0] === 'clients')).toEqual([
      [
        'clients', stream, 'ClientAdded', owner, 'admin', account,
        `added as full_access: [erased] [erased] <[erased]>; coach ${owner}; source manual; invitation yes`, '', 'false',
      ],
      ['clients', stream, 'ClientTypeChanged', owner, 'admin', account, 'type full_access → offline (access_revoked)', 'full_access→offline', 'false'],
      [
        'clients', stream, 'ClientTypeChanged', owner, 'admin', account,
        'type offline → full_access_one_way (invitation) [bulk change]', 'offline→full_access_one_way', 'true',
      ],
      ['clients', stream, 'ClientDeleted', owner, 'admin', account, 'client deleted; personal data erased', '', 'false'],
    ]);
    expect(result.stdout).not.toContain('Lovelace');
    expect(result.stdout).not.toContain('ada@example.com');
  });

  it('opens the personal data of a client that still exists, quoting CSV fields as RFC 4180 says', async () => {
    const result = await runAudit(['client', otherId, '--csv']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\r\n')[1]).toMatch(/,"added as full_access: Bo Other, ""Jr"" <client\.[^>]+>; coach [^;]+; source manual; invitation yes",/);
    const table = await runAudit(['client', otherId]);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+EVENT\s+ACTOR\s+CHANGES$/);
    expect(table.stdout).toContain('▶ ClientTypeChanged');
    const json = JSON.parse((await runAudit(['client', otherId, '--json'])).stdout);
    expect(json.find((row: { event: string }) => row.event === 'ClientTypeChanged')).toMatchObject({ event: 'ClientTypeChanged', typeTransition: 'full_access→full_access_one_way', bulk: true });
  });

  it('records every audit run in the ops event store', async () => {
    const before = await auditRuns();
    const printed = (await runAudit(['client', clientId, '--csv'])).stdout.split('\r\n').length - 2;
    const after = await auditRuns();
    expect(after.length).toBe(before.length + 1);
    expect(after[after.length - 1]).toMatchObject({
      type: AUDIT_RUN_RECORDED,
      streamName: expect.stringMatching(/^opsaudit-\d{4}-\d{2}-\d{2}$/),
      data: { operator: 'test-operator', command: 'audit client', arguments: ['client', clientId, '--csv'], resultCount: printed, ranAt: expect.any(String) },
    });
  });

  it('answers 1 with a message on stderr for an unknown client', async () => {
    const result = await runAudit(['client', randomUUID()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^No client /);
  });

  it('refuses bad arguments with a UsageError', async () => {
    await expect(runAudit([])).rejects.toBeInstanceOf(UsageError);
    await expect(runAudit(['clients', clientId])).rejects.toBeInstanceOf(UsageError);
    await expect(runAudit(['client'])).rejects.toBeInstanceOf(UsageError);
    await expect(runAudit(['client', clientId, 'extra'])).rejects.toBeInstanceOf(UsageError);
    await expect(runAudit(['client', clientId, '--json', '--csv'])).rejects.toBeInstanceOf(UsageError);
  });
});

describe('ops audit events', () => {
  it('filters every service by type, actor and account, oldest first', async () => {
    const result = await runAudit(['events', '--type', 'ClientTypeChanged,ClientDeleted', '--account', business.accountId, '--actor', business.ownerId, '--csv']);
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout).slice(1);
    expect(rows.map((r) => [r[2], r[4], r[9], r[10]])).toEqual([
      [`client-${clientId}`, 'ClientTypeChanged', 'full_access→offline', 'false'],
      ...[
        [`client-${clientId}`, 'ClientTypeChanged', 'offline→full_access_one_way', 'true'],
        [`client-${otherId}`, 'ClientTypeChanged', 'full_access→full_access_one_way', 'true'],
      ].sort((a, b) => (rows.findIndex((r) => r[2] === a[0] && r[9] === a[2]) - rows.findIndex((r) => r[2] === b[0] && r[9] === b[2]))),
      [`client-${clientId}`, 'ClientDeleted', '', 'false'],
    ]);
    const times = rows.map((r) => r[0]);
    expect([...times].sort()).toEqual(times);
  });

  it('honours --from, --to, --service and --limit', async () => {
    const all = JSON.parse((await runAudit(['events', '--account', business.accountId, '--json'])).stdout) as Array<{ time: string; service: string }>;
    expect([...new Set(all.map((r) => r.service))]).toEqual(expect.arrayContaining(['identity', 'clients']));
    const limited = JSON.parse((await runAudit(['events', '--account', business.accountId, '--limit', '2', '--json'])).stdout);
    expect(limited).toEqual(all.slice(0, 2));
    const onlyIdentity = JSON.parse((await runAudit(['events', '--account', business.accountId, '--service', 'identity', '--json'])).stdout);
    expect(onlyIdentity).toEqual(all.filter((r) => r.service === 'identity'));
    const middle = all[Math.floor(all.length / 2)].time;
    const fromMiddle = JSON.parse((await runAudit(['events', '--account', business.accountId, '--from', middle, '--json'])).stdout);
    expect(fromMiddle).toEqual(all.filter((r) => r.time >= middle));
    const beforeMiddle = JSON.parse((await runAudit(['events', '--account', business.accountId, '--to', middle, '--json'])).stdout);
    expect(beforeMiddle).toEqual(all.filter((r) => r.time < middle));
    const future = await runAudit(['events', '--from', '2999-01-01']);
    expect(future.stdout).toBe('No events.\n');
  });

  it('refuses bad filters with a UsageError', async () => {
    for (const args of [
      ['events', '--from', 'yesterday'],
      ['events', '--to', '2024-13-45'],
      ['events', '--from', '2024-05-02', '--to', '2024-05-01'],
      ['events', '--service', 'notifications'],
      ['events', '--limit', '0'],
      ['events', '--type'],
      ['events', '--colour', 'red'],
      ['events', 'loose'],
    ]) {
      await expect(runAudit(args)).rejects.toBeInstanceOf(UsageError);
    }
  });
});

async function auditRuns() {
  const store = await openOpsEventStore(loadConfig({ DATA_DIR: system.dataDir }));
  try {
    return (await store.readAll()).filter((e) => e.type === AUDIT_RUN_RECORDED);
  } finally {
    await store.close();
  }
}
