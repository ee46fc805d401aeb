import { ClientsSubjects, type ImportClientsResult, type ImportReportPage } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, seatLimitSet, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.import-clients', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  // A small CSV as the gateway sends it: its rows numbered as in the file (the header is row 1).
  const rows = [
    { row: 2, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access' },
    { row: 3, firstName: 'Grace', lastName: 'Hopper', email: 'not-an-address', type: 'offline' },
    { row: 4, firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com', phone: '+44 20 7946 0000', type: 'offline' },
  ];

  it('enrols the valid rows and starts their streams, answers how many, and refuses the bad row with its field errors, kept for the report', async () => {
    await clients.given('roster-a1', [seatLimitSet(null)]);

    const answer = await clients.when<ImportClientsResult>(ClientsSubjects.importClients, { actor: admin, idempotencyKey: 'upload-1', data: { rows, importId: 'import-1', chunk: 0 } });

    expect(answer).toEqual({ created: 2, failed: [{ row: 3, errors: [{ field: 'email', message: 'must be an e-mail address' }] }] });
    const events = await clients.newEvents();
    const enrolled = events.filter((event) => event.streamName === 'roster-a1');
    expect(enrolled).toMatchObject([
      { type: 'ClientEnrolled', data: { status: 'active' } },
      { type: 'ClientEnrolled', data: { status: 'active' } },
    ]);
    const clientIds = enrolled.map((event) => event.data.clientId as string);
    // The client streams start side by side: their order in the log is not the file's.
    expect(events.filter((event) => event.streamName !== 'roster-a1')).toEqual(
      expect.arrayContaining(
        clientIds.map((clientId) => expect.objectContaining({ streamName: `client-${clientId}`, type: 'ClientAdded', data: expect.objectContaining({ clientId, source: { kind: 'import' }, coachId: admin.id }) })),
      ),
    );
    expect(events).toHaveLength(4);
    expect(JSON.stringify(events)).not.toMatch(/Lovelace|Turing|@example/);

    await expect(clients.when<ImportReportPage>(ClientsSubjects.getImportReport, { actor: admin, data: { importId: 'import-1', afterChunk: -1 } })).resolves.toEqual({
      failed: answer.failed,
      lastChunk: 0,
    });
  });
});
