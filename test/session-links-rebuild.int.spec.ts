import { sessionLinkDecider, type CoachLinkedBySessionData } from '@clientele/clients/domain';
import { clientsProjections } from '@clientele/clients/service';
import { ProcessorRunner, handleCommand } from '@clientele/platform/application';
import { loadConfig } from '@clientele/platform/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOps } from '../apps/ops/src/main';
import { OpsContext } from '../apps/ops/src/ops-context';

/**
 * Coach–client session links are a projection of the clients service's own events: `ops rebuild
 * --projection clients` restores them from nothing and `ops verify` checks them (on the SQLite
 * stores of a data folder, as the embedded profile keeps them; no services running).
 */
describe('ops rebuild and verify cover the coach–client session links', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-session-links-ops-'));
  const config = loadConfig({ DATA_DIR: dataDir, CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite' });
  const service = new OpsContext(config, undefined, 'the-service');
  afterAll(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ops = async (...args: string[]) => {
    const output = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
    const code = await runOps(args, () => new OpsContext(config, output, 'test-operator'));
    return { code, stdout: output.stdout };
  };

  it('restores deleted links with a rebuild, and verify tells a deleted or forged link', async () => {
    const events = await service.eventStore('clients');
    const documents = await service.documentStore('clients');
    // What the clients service does with each booked session (SessionLinkRecorder): the decider on the client's link stream.
    const link = (data: CoachLinkedBySessionData, commandId: string) =>
      handleCommand(events, `sessionlinks-${data.clientId}`, sessionLinkDecider, { type: 'LinkCoachBySession', ...data }, { commandId, metadata: { accountId: data.accountId } });
    await link({ clientId: 'c1', accountId: 'a1', coachId: 'coachB', sessionId: 's1', linkedAt: '2026-11-21T10:00:00.000Z' }, 'e1');
    await link({ clientId: 'c1', accountId: 'a1', coachId: 'coachB', sessionId: 's2', linkedAt: '2026-11-21T11:00:00.000Z' }, 'e2');
    await link({ clientId: 'c1', accountId: 'a1', coachId: 'coachC', sessionId: 's3', linkedAt: '2026-11-21T12:00:00.000Z' }, 'e3');
    const last = await link({ clientId: 'c2', accountId: 'a1', coachId: 'coachC', sessionId: 's4', linkedAt: '2026-11-21T13:00:00.000Z' }, 'e4');

    // The service's projections build the live read model.
    const runners = clientsProjections.processors(documents, documents).map((processor) => new ProcessorRunner(events, documents, processor));
    await Promise.all(runners.map((runner) => runner.start()));
    await Promise.all(runners.map((runner) => runner.waitFor(last.position!)));
    await Promise.all(runners.map((runner) => runner.stop()));
    const links = () => documents.collection('client_session_links').find({}, { sort: [['id', 1]] });
    const built = await links();
    expect(built.map((l) => [l.id, l.firstSessionId])).toEqual([
      ['c1:coachB', 's1'],
      ['c1:coachC', 's3'],
      ['c2:coachC', 's4'],
    ]);
    expect(await ops('verify', '--projection', 'clients')).toMatchObject({ code: 0 });

    // The read model is lost, and a link nobody booked appears.
    await documents.dropCollection('client_session_links');
    await documents.commit([{ op: 'upsert', collection: 'client_session_links', doc: { ...built[0], id: 'c9:coachB', clientId: 'c9' } }]);
    const drifted = await ops('verify', '--projection', 'clients');
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain('4 differ');
    expect(drifted.stdout).toContain('client_session_links/c1:coachB  missing from the live read model');
    expect(drifted.stdout).toContain('client_session_links/c9:coachB  in the live read model, but no event produces it');

    expect(await ops('rebuild', '--projection', 'clients')).toMatchObject({ code: 0 });
    expect(await links()).toEqual(built);
    const verified = await ops('verify', '--projection', 'clients');
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toContain('identical to the live read model');
  });
});
