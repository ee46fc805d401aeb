import { CheckoutEnrolmentSubjects, type PurchaseEnrolmentView } from '@clientele/billing/contracts';
import { deterministicId } from '@clientele/platform/application';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, startClients } from '../../testing/clients-use-cases';

/**
 * clients.query.get-purchase-enrolment (issue 21): what the enrolment saga made of a purchase's
 * buyer, for the checkout's answer. It says what happened at the purchase, from what was recorded then.
 */
describe('clients.query.get-purchase-enrolment', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  const ask = (purchaseId: string) => clients.when<PurchaseEnrolmentView>(CheckoutEnrolmentSubjects.getPurchaseEnrolment, { data: { purchaseId } });
  /** The client the saga enrols for a new buyer of purchase `purchaseId`, with the status the roster gave them. */
  const buyerAdded = (purchaseId: string, status: 'active' | 'pending') => {
    const event = clientAdded('full_access_one_way', deterministicId('buyer', purchaseId));
    return { ...event, data: { ...event.data, status, source: { kind: 'product', productId: 'p1' } } };
  };
  const purchaseRecorded = (clientId: string, purchaseId: string) => ({
    type: 'ClientPurchaseRecorded',
    data: { clientId, accountId: 'a1', purchaseId, productId: 'p1', amount: { amount: 4900, currency: 'EUR' }, productName: 'Bootcamp', sessionPack: null, purchasedAt: '2026-01-02T09:00:00.000Z' },
  });

  it('answers null while the saga has not decided', async () => {
    expect(await ask('x1')).toEqual({ purchaseId: 'x1', enrolment: null });
  });

  it('answers enrolled for a new buyer who got a seat, waiting_for_seat for one who waits', async () => {
    await clients.given(`client-${deterministicId('buyer', 'x1')}`, [buyerAdded('x1', 'active')]);
    await clients.given(`client-${deterministicId('buyer', 'x2')}`, [buyerAdded('x2', 'pending')]);

    expect(await ask('x1')).toEqual({ purchaseId: 'x1', enrolment: 'enrolled' });
    expect(await ask('x2')).toEqual({ purchaseId: 'x2', enrolment: 'waiting_for_seat' });
  });

  it('keeps answering waiting_for_seat after the buyer got their seat: it is what happened at the purchase', async () => {
    const clientId = deterministicId('buyer', 'x2');
    await clients.given(`client-${clientId}`, [buyerAdded('x2', 'pending'), { type: 'ClientActivated', data: { clientId, accountId: 'a1', activatedAt: '2026-01-03T09:00:00.000Z' } }]);

    expect(await ask('x2')).toEqual({ purchaseId: 'x2', enrolment: 'waiting_for_seat' });
  });

  it('answers already_client when the purchase was recorded on a client who was there before', async () => {
    await clients.given('client-c1', [clientAdded('full_access', 'c1'), purchaseRecorded('c1', 'x3')]);

    expect(await ask('x3')).toEqual({ purchaseId: 'x3', enrolment: 'already_client' });
  });
});
