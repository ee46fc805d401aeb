import { deciderSpec } from '@clientele/platform/testing';
import { clientDecider } from './client.decider';
import { ClientAddedData } from './client.events';
import { validateNewClient } from './new-client';
import { RosterEvent, rosterDecider } from './roster.decider';

const now = '2026-11-21T10:00:00.000Z';
const client = (clientId: string, email = `${clientId}@example.com`): ClientAddedData => ({
  clientId,
  accountId: 'a1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email,
  phone: null,
  type: 'full_access',
  coachId: 'coach-1',
  source: { kind: 'manual' },
  sendInvitation: true,
  appAccess: 'invited',
  addedAt: now,
  addedBy: 'coach-1',
});
const limit = (seatLimit: number | null, accountVersion = 0): RosterEvent => ({
  type: 'RosterSeatLimitSet',
  data: { accountId: 'a1', seatLimit, accountVersion },
});
const enrolled = (clientId: string, emailKey = `key-${clientId}`): RosterEvent => ({
  type: 'ClientEnrolled',
  data: { clientId, emailKey, client: client(clientId) },
});

describe('roster', () => {
  const spec = deciderSpec(rosterDecider);

  it('enrols a client while a seat is free', () => {
    spec.given([limit(2), enrolled('c1')]).when({ type: 'EnrollClient', emailKey: 'key-c2', client: client('c2') }).then([enrolled('c2')]);
  });

  it('enrols any number of clients without a limit', () => {
    spec.given([limit(null), enrolled('c1'), enrolled('c2')]).when({ type: 'EnrollClient', emailKey: 'key-c3', client: client('c3') }).then([enrolled('c3')]);
  });

  it('refuses a client when every seat is taken', () => {
    spec.given([limit(1), enrolled('c1')]).when({ type: 'EnrollClient', emailKey: 'key-c2', client: client('c2') }).thenThrows('seat_limit_reached', /All 1 client seats/);
  });

  it('refuses a second client with the same e-mail', () => {
    spec.given([limit(null), enrolled('c1', 'same')]).when({ type: 'EnrollClient', emailKey: 'same', client: client('c2') }).thenThrows('email_taken');
  });

  it('enrolling the same client again changes nothing, even with the seats full', () => {
    spec.given([limit(1), enrolled('c1')]).when({ type: 'EnrollClient', emailKey: 'key-c1', client: client('c1') }).thenNothingHappens();
  });

  it('keeps the seat limit of the newest account version, whatever the order they arrive in', () => {
    spec.given([limit(5, 3)]).when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: 2, accountVersion: 1 }).thenNothingHappens();
    spec.given([limit(5, 3)]).when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: 2, accountVersion: 4 }).then([limit(2, 4)]);
  });

  it('applies a lowered limit to new enrolments only', () => {
    spec.given([limit(3), enrolled('c1'), enrolled('c2'), limit(1, 1)]).when({ type: 'EnrollClient', emailKey: 'key-c3', client: client('c3') }).thenThrows('seat_limit_reached');
  });
});

describe('client', () => {
  const spec = deciderSpec(clientDecider);

  it('starts with ClientAdded', () => {
    spec.given([]).when({ type: 'AddClient', client: client('c1') }).then([{ type: 'ClientAdded', data: client('c1') }]);
  });

  it('adding the same client again changes nothing', () => {
    spec.given([{ type: 'ClientAdded', data: client('c1') }]).when({ type: 'AddClient', client: client('c1') }).thenNothingHappens();
  });
});

describe('validateNewClient', () => {
  const valid = { firstName: ' Ada ', lastName: 'Lovelace', email: ' ada@example.com ', type: 'full_access' as const };

  it('trims, and sends an invitation by default to full-access types only', () => {
    expect(validateNewClient(valid)).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: null, type: 'full_access', sendInvitation: true });
    expect(validateNewClient({ ...valid, type: 'full_access_one_way' }).sendInvitation).toBe(true);
    expect(validateNewClient({ ...valid, type: 'offline' }).sendInvitation).toBe(false);
    expect(validateNewClient({ ...valid, sendInvitation: false }).sendInvitation).toBe(false);
  });

  it('refuses login details for an offline client with offline_no_login', () => {
    expect(() => validateNewClient({ ...valid, type: 'offline', sendInvitation: true })).toThrow(expect.objectContaining({ code: 'offline_no_login' }));
  });

  it('lists every field problem at once', () => {
    expect(() => validateNewClient({ firstName: '', lastName: ' ', email: 'nope', phone: 'call me', type: 'vip' as never })).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        errors: [
          { field: 'firstName', message: 'is required' },
          { field: 'lastName', message: 'is required' },
          { field: 'email', message: 'must be an e-mail address' },
          { field: 'phone', message: 'must be a phone number' },
          { field: 'type', message: 'must be one of full_access, full_access_one_way, offline' },
        ],
      }),
    );
  });
});
