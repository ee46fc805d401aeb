import type { RequestClient } from '@clientele/platform/bus';
import { AppError, UnavailableError } from '@clientele/platform/core';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { ClientAccess } from './client-access';

const contact = { clientId: 'c1', accountId: 'a1', coachId: 'u1', firstName: 'A', lastName: 'B', email: 'a@b.co', type: 'full_access', status: 'active', appAccess: 'invited' };

/** The roster as another service: answers after `failures` calls that found it unavailable. */
function roster(failures: number, error: () => Error = () => new UnavailableError('The clients service did not answer within 5000 ms; try again shortly.')) {
  let calls = 0;
  const requests = {
    request: async () => {
      calls++;
      if (calls <= failures) throw error();
      return contact;
    },
  } as unknown as RequestClient;
  return { requests, calls: () => calls };
}

describe('ClientAccess asking the roster from a reaction', () => {
  const open = (requests: RequestClient) => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    return { access: new ClientAccess(events, documents, requests, 'a secret of at least thirty-two characters', documents), close: () => Promise.all([events.close(), documents.close()]) };
  };

  it('waits out a clients service that does not answer (a restart), instead of failing the delivery', async () => {
    const fake = roster(3);
    const { access, close } = open(fake.requests);
    await expect(access.contactPatiently('c1', undefined, 30_000)).resolves.toEqual(contact);
    expect(fake.calls()).toBe(4);
    await close();
  });

  it('gives up after its patience, and at once on anything but unavailability', async () => {
    const down = roster(1000);
    const first = open(down.requests);
    await expect(first.access.contactPatiently('c1', undefined, 600)).rejects.toBeInstanceOf(UnavailableError);
    await first.close();
    const broken = roster(1, () => new AppError('validation_failed', 'no'));
    const second = open(broken.requests);
    await expect(second.access.contactPatiently('c1', undefined, 30_000)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(broken.calls()).toBe(1);
    await second.close();
  });
});
