import { EmbeddedEventBus, IntegrationEvent } from '@clientele/platform/bus';
import { loadConfig } from '@clientele/platform/config';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsContext, OpsOutput, UsageError } from '../ops-context';
import { deadLettersCommand } from './dead-letters.command';

/**
 * The dead-letter commands against the embedded bus file of a data folder, with a consumer running
 * in "the service" (another bus instance on the same file, as the services would hold it).
 */
let dataDir: string;
let serviceBus: EmbeddedEventBus;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientele-ops-dl-'));
  serviceBus = new EmbeddedEventBus({ filename: join(dataDir, 'bus.sqlite') });
});
afterEach(async () => {
  await serviceBus.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ops(args: string[]) {
  const sink = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (sink.stdout += t), err: (t: string) => void (sink.stderr += t) };
  const context = new OpsContext(loadConfig({ DATA_DIR: dataDir }), sink as OpsOutput, 'test-operator');
  try {
    return { code: await deadLettersCommand.run(context, args), stdout: sink.stdout, stderr: sink.stderr };
  } finally {
    await context.close();
  }
}

const mailRequested = (): IntegrationEvent => ({
  id: randomUUID(),
  subject: 'identity.client-access.mail-requested.v1',
  occurredAt: new Date().toISOString(),
  data: { mailId: randomUUID(), kind: 'invitation' },
  metadata: { correlationId: 'c-1', accountId: 'a-1' },
});

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ops dead-letters', () => {
  it('lists, retries to the one consumer that failed (mails included), and discards', async () => {
    let mailServerUp = false;
    const mails: Array<{ id: string; deliveryCount: number }> = [];
    const audits: string[] = [];
    // Like notifications--identity: a mail whose sending failed on every delivery goes to the dead letters.
    await serviceBus.consume({ durableName: 'notifications--identity', sourceService: 'identity', maxDeliveries: 2, retryDelaysMs: [10] }, async (e, ctx) => {
      mails.push({ id: e.id, deliveryCount: ctx.deliveryCount });
      if (!mailServerUp) throw new Error('SendGrid answered 503');
    });
    await serviceBus.consume({ durableName: 'other--identity', sourceService: 'identity' }, async (e) => void audits.push(e.id));
    const first = mailRequested();
    const second = mailRequested();
    await serviceBus.publishMany([first, second]);
    await waitFor(async () => (await serviceBus.deadLetters.list()).length === 2);

    const listed = await ops(['list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: `notifications--identity.${first.id}`, durableName: 'notifications--identity', deliveries: 2, error: 'Error: SendGrid answered 503' }),
      expect.objectContaining({ id: `notifications--identity.${second.id}` }),
    ]);
    const table = await ops(['list', '--consumer', 'notifications--identity']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+CONSUMER\s+SUBJECT\s+DELIVERIES\s+DEAD AT\s+ERROR$/);
    expect(table.stdout).toContain('identity.client-access.mail-requested.v1');
    expect((await ops(['list', '--consumer', 'nobody--identity'])).stdout).toBe('No dead letters.\n');

    mailServerUp = true;
    const retried = await ops(['retry', `notifications--identity.${first.id}`]);
    expect(retried).toMatchObject({ code: 0, stderr: '1 dead letter(s) handed back to its consumer.\n' });
    await waitFor(() => mails.length === 5);
    expect(mails[4]).toEqual({ id: first.id, deliveryCount: 1 });
    expect(audits).toEqual([first.id, second.id]);

    const discarded = await ops(['discard', '--all', '--consumer', 'notifications--identity']);
    expect(discarded).toMatchObject({ code: 0, stderr: '1 dead letter(s) discarded.\n' });
    expect(await serviceBus.deadLetters.list()).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(mails).toHaveLength(5);
  });

  it('retries every letter of a consumer with --all, and answers 1 for an unknown id', async () => {
    let healed = false;
    const seen: string[] = [];
    await serviceBus.consume({ durableName: 'billing--identity', sourceService: 'identity', maxDeliveries: 1 }, async (e) => {
      if (!healed) throw new Error('down');
      seen.push(e.id);
    });
    const events = [mailRequested(), mailRequested()];
    await serviceBus.publishMany(events);
    await waitFor(async () => (await serviceBus.deadLetters.list()).length === 2);
    healed = true;
    expect(await ops(['retry', '--all', '--consumer', 'billing--identity'])).toMatchObject({ code: 0 });
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual(events.map((e) => e.id).sort());
    expect(await ops(['retry', 'billing--identity.nope'])).toMatchObject({ code: 1, stderr: expect.stringContaining('No dead letter billing--identity.nope') });
    expect(await ops(['discard', 'billing--identity.nope'])).toMatchObject({ code: 1 });
  });

  it('refuses bad arguments with a UsageError', async () => {
    for (const args of [[], ['purge'], ['retry'], ['retry', 'a', '--all'], ['retry', 'a', 'b'], ['discard', 'a', '--consumer', 'x'], ['list', 'x'], ['list', '--consumer'], ['retry', '--all', '--json']]) {
      await expect(ops(args)).rejects.toBeInstanceOf(UsageError);
    }
  });
});
