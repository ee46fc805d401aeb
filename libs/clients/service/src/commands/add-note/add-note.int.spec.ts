import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.add-note', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('records the note on the client, the body sealed, and answers it', async () => {
    await clients.given('client-c1', [clientAdded()]);

    const note = await clients.when<{ id: string }>(ClientsSubjects.addNote, { actor: coach, data: { clientId: 'c1', body: 'Knee feels better' } });

    expect(note).toMatchObject({ body: 'Knee feels better', authorId: coach.id });
    const [added] = await clients.newEvents();
    expect(added).toMatchObject({ streamName: 'client-c1', type: 'ClientNoteAdded', data: { clientId: 'c1', noteId: note.id, authorId: coach.id } });
    expect(JSON.stringify(added.data)).not.toContain('Knee feels better');
  });

  it('refuses an empty note (validation_failed), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(clients.when(ClientsSubjects.addNote, { actor: coach, data: { clientId: 'c1', body: '   ' } })).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'body' }] });
    expect(await clients.newEvents()).toEqual([]);
  });
});
