import { deciderSpec } from '@clientele/platform/testing';
import { StripeConnectionEvent, keyHintOf, modeOfKey, stripeConnectionDecider } from './stripe-connection';

const spec = deciderSpec(stripeConnectionDecider);
const now = '2026-12-05T10:00:00.000Z';
const testKey = 'sk_test_51Abcdefghijkl1234';
const liveKey = 'rk_live_51Zyxwvutsrqpo9876';
const whsec = 'whsec_abcdefghijklmnop';

const connect = (secretKey = testKey, webhookSecret = whsec) => ({ type: 'ConnectStripe' as const, accountId: 'a1', secretKey, webhookSecret, now });
const disconnect = { type: 'DisconnectStripe' as const, accountId: 'a1', now };
const connected = (secretKey = testKey, webhookSecret = whsec, at = '2026-12-01T10:00:00.000Z'): StripeConnectionEvent => ({
  type: 'StripeConnected',
  data: { accountId: 'a1', secrets: { secretKey, webhookSecret }, mode: modeOfKey(secretKey), keyHint: keyHintOf(secretKey), at },
});

describe('the Stripe connection of an account', () => {
  it('connects with a test secret key: test mode, the key named by its prefix and last four characters', () => {
    spec.given([]).when(connect()).then([
      { type: 'StripeConnected', data: { accountId: 'a1', secrets: { secretKey: testKey, webhookSecret: whsec }, mode: 'test', keyHint: 'sk_test_…1234', at: now } },
    ]);
  });

  it('takes live and restricted keys, in live mode', () => {
    spec.given([]).when(connect(liveKey)).then([
      { type: 'StripeConnected', data: { accountId: 'a1', secrets: { secretKey: liveKey, webhookSecret: whsec }, mode: 'live', keyHint: 'rk_live_…9876', at: now } },
    ]);
    spec.given([]).when(connect('sk_live_51Abcdefghijkl0000')).then([connected('sk_live_51Abcdefghijkl0000', whsec, now)]);
    spec.given([]).when(connect('rk_test_51Abcdefghijkl0000')).then([connected('rk_test_51Abcdefghijkl0000', whsec, now)]);
  });

  it('refuses what is not a secret key, naming the field and what to copy', () => {
    spec.given([]).when(connect('pk_test_51Abcdefghijkl1234')).thenThrows('validation_failed');
    for (const key of ['', 'sk_51Abcdefghijkl', 'sk_prod_51Abcdefghijkl', 'whsec_abcdefghijklmnop', 'sk_test_', 'sk_test_ab cd efgh ij']) {
      expect({ key, problems: problemsOf(connect(key)) }).toEqual({ key, problems: [{ field: 'secretKey', message: expect.stringContaining('sk_test_ or sk_live_') }] });
    }
    expect(problemsOf(connect('pk_live_51Abcdefghijkl1234'))).toEqual([{ field: 'secretKey', message: expect.stringContaining('publishable key') }]);
  });

  it('refuses a webhook secret that is not whsec_…, and says both problems at once', () => {
    expect(problemsOf(connect(testKey, 'sk_test_51Abcdefghijkl1234'))).toEqual([{ field: 'webhookSecret', message: expect.stringContaining('starts with whsec_') }]);
    expect(problemsOf(connect('nope', 'nope')).map((p) => p.field)).toEqual(['secretKey', 'webhookSecret']);
  });

  it('replaces the keys when connected again with others', () => {
    spec.given([connected()]).when(connect(liveKey)).then([connected(liveKey, whsec, now)]);
    spec.given([connected()]).when(connect(testKey, 'whsec_anotherSecret123')).then([connected(testKey, 'whsec_anotherSecret123', now)]);
  });

  it('records nothing when connected again with the same keys (a retry)', () => {
    spec.given([connected()]).when(connect()).thenNothingHappens();
  });

  it('disconnects, once; disconnecting an account without Stripe records nothing', () => {
    spec.given([connected()]).when(disconnect).then([{ type: 'StripeDisconnected', data: { accountId: 'a1', at: now } }]);
    spec.given([connected(), { type: 'StripeDisconnected', data: { accountId: 'a1', at: now } }]).when(disconnect).thenNothingHappens();
    spec.given([]).when(disconnect).thenNothingHappens();
  });

  it('connects again after a disconnection, with the same keys too', () => {
    spec.given([connected(), { type: 'StripeDisconnected', data: { accountId: 'a1', at: now } }]).when(connect()).then([connected(testKey, whsec, now)]);
  });
});

function problemsOf(command: ReturnType<typeof connect>) {
  try {
    stripeConnectionDecider.decide(command, stripeConnectionDecider.initialState());
  } catch (error) {
    return (error as { errors?: Array<{ field: string; message: string }> }).errors ?? [];
  }
  throw new Error('expected the keys to be refused');
}
