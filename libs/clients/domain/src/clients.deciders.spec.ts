import { ClientType } from '@clientele/platform/core';
import { deciderSpec } from '@clientele/platform/testing';
import { ClientCommand, ExistingClient, clientDecider } from './client.decider';
import { ClientAddedData, ClientEvent } from './client.events';
import { validateNewClient } from './new-client';
import { EnrolmentRequest, RosterEvent, planEnrolments, rosterDecider, rosterEnrolmentDecider } from './roster.decider';
import { fold } from '@clientele/platform/core';

const now = '2026-11-21T10:00:00.000Z';
const ids = { clientId: 'c1', accountId: 'a1' };
const added = (overrides: Partial<ClientAddedData> = {}): ClientEvent => ({
  type: 'ClientAdded',
  data: {
    clientId: 'c1',
    accountId: 'a1',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    phone: null,
    type: 'full_access',
    status: 'active',
    coachId: 'coach-1',
    source: { kind: 'manual' },
    sendInvitation: true,
    appAccess: 'invited',
    addedAt: now,
    addedBy: 'coach-1',
    ...overrides,
  },
});
const typeChanged = (from: ClientType, to: ClientType, effect: string, appAccess: string): ClientEvent =>
  ({ type: 'ClientTypeChanged', data: { ...ids, from, to, effect, appAccess, changedAt: now, changedBy: 'u1' } }) as ClientEvent;
const changeType = (to: ClientType): ClientCommand => ({ type: 'ChangeType', to, metadata: { actorId: 'u1', now } });

describe('client', () => {
  const spec = deciderSpec(clientDecider);

  it('starts with ClientAdded, and adding it again changes nothing', () => {
    spec.given([]).when({ type: 'AddClient', client: (added().data as ClientAddedData) }).then([added()]);
    spec.given([added()]).when({ type: 'AddClient', client: (added().data as ClientAddedData) }).thenNothingHappens();
  });

  describe('type changes, each transition with its effect', () => {
    const cases: Array<[ClientType, ClientType, string, string]> = [
      ['full_access', 'full_access_one_way', 'messaging_policy', 'invited'],
      ['full_access_one_way', 'full_access', 'messaging_policy', 'invited'],
      ['full_access', 'offline', 'access_revoked', 'none'],
      ['full_access_one_way', 'offline', 'access_revoked', 'none'],
      ['offline', 'full_access', 'invitation', 'invited'],
      ['offline', 'full_access_one_way', 'invitation', 'invited'],
    ];
    it.each(cases)('%s -> %s: %s', (from, to, effect, appAccess) => {
      const start = added({ type: from, appAccess: from === 'offline' ? 'none' : 'invited', sendInvitation: from !== 'offline' });
      spec.given([start]).when(changeType(to)).then([typeChanged(from, to, effect, appAccess)]);
    });

    it('records nothing for the same type', () => {
      for (const type of ['full_access', 'full_access_one_way', 'offline'] as const) {
        spec.given([added({ type })]).when(changeType(type)).thenNothingHappens();
      }
    });

    it('restores access, instead of inviting, for a client who had a working login before going offline', () => {
      const hadLogin = added({ appAccess: 'active' });
      spec
        .given([hadLogin, typeChanged('full_access', 'offline', 'access_revoked', 'none')])
        .when(changeType('full_access_one_way'))
        .then([typeChanged('offline', 'full_access_one_way', 'access_restored', 'active')]);
    });

    it('invites again a client who never signed in before going offline', () => {
      spec
        .given([added(), typeChanged('full_access', 'offline', 'access_revoked', 'none')])
        .when(changeType('full_access'))
        .then([typeChanged('offline', 'full_access', 'invitation', 'invited')]);
    });

    it('refuses an unknown type, and a client that does not exist or was deleted', () => {
      spec.given([added()]).when(changeType('vip' as ClientType)).thenThrows('validation_failed');
      spec.given([]).when(changeType('offline')).thenThrows('not_found');
      spec.given([added(), { type: 'ClientDeleted', data: { ...ids, deletedAt: now, deletedBy: 'u1' } }]).when(changeType('offline')).thenThrows('not_found');
    });
  });

  describe('contact edits', () => {
    it('records only the fields that change, validated', () => {
      spec
        .given([added()])
        .when({ type: 'ChangeContact', changes: { firstName: 'Ada', lastName: ' Byron ', phone: '+44 1' }, metadata: { actorId: 'u1', now } })
        .then([{ type: 'ClientContactChanged', data: { ...ids, changes: { lastName: 'Byron', phone: '+44 1' }, changedAt: now, changedBy: 'u1' } }]);
      spec.given([added()]).when({ type: 'ChangeContact', changes: { firstName: 'Ada' }, metadata: { actorId: 'u1', now } }).thenNothingHappens();
      spec.given([added()]).when({ type: 'ChangeContact', changes: { email: 'nope' }, metadata: { actorId: 'u1', now } }).thenThrows('validation_failed');
      spec.given([added()]).when({ type: 'ChangeContact', changes: { firstName: '' }, metadata: { actorId: 'u1', now } }).thenThrows('validation_failed');
    });

    it('refuses with concurrency_conflict when the expected version is stale', () => {
      spec.given([added(), typeChanged('full_access', 'offline', 'access_revoked', 'none')]).when({ type: 'ChangeContact', changes: { firstName: 'Eve' }, expectedVersion: 0, metadata: { actorId: 'u1', now } }).thenThrows('concurrency_conflict');
      spec.given([added()]).when({ type: 'ChangeContact', changes: { firstName: 'Eve' }, expectedVersion: 0, metadata: { actorId: 'u1', now } }).then([
        { type: 'ClientContactChanged', data: { ...ids, changes: { firstName: 'Eve' }, changedAt: now, changedBy: 'u1' } },
      ]);
    });
  });

  it('adds notes of 1 to 5000 characters', () => {
    spec.given([added()]).when({ type: 'AddNote', noteId: 'n1', body: 'Knee feels better.', metadata: { actorId: 'u1', now } }).then([
      { type: 'ClientNoteAdded', data: { ...ids, noteId: 'n1', body: 'Knee feels better.', authorId: 'u1', addedAt: now } },
    ]);
    spec.given([added()]).when({ type: 'AddNote', noteId: 'n1', body: '   ', metadata: { actorId: 'u1', now } }).thenThrows('validation_failed');
    spec.given([added()]).when({ type: 'AddNote', noteId: 'n1', body: 'x'.repeat(5001), metadata: { actorId: 'u1', now } }).thenThrows('validation_failed');
  });

  it('reassigns to another coach, and records nothing for the same coach', () => {
    spec.given([added()]).when({ type: 'Reassign', coachId: 'coach-2', metadata: { actorId: 'u1', now } }).then([
      { type: 'ClientReassigned', data: { ...ids, from: 'coach-1', to: 'coach-2', reassignedAt: now, reassignedBy: 'u1' } },
    ]);
    spec.given([added()]).when({ type: 'Reassign', coachId: 'coach-1', metadata: { actorId: 'u1', now } }).thenNothingHappens();
  });

  it('requests login details (an invitation, or a login link once the client had access) and password resets; never for offline clients', () => {
    spec.given([added()]).when({ type: 'RequestLoginDetails', metadata: { actorId: 'u1', now } }).then([
      { type: 'ClientLoginDetailsRequested', data: { ...ids, kind: 'invitation', requestedAt: now, requestedBy: 'u1' } },
    ]);
    spec.given([added({ type: 'offline', appAccess: 'none' })]).when({ type: 'RequestLoginDetails', metadata: { actorId: 'u1', now } }).thenThrows('offline_no_login');
    spec.given([added()]).when({ type: 'RequestPasswordReset', metadata: { actorId: 'u1', now } }).then([
      { type: 'ClientPasswordResetRequested', data: { ...ids, requestedAt: now, requestedBy: 'u1' } },
    ]);
    spec.given([added({ type: 'offline', appAccess: 'none' })]).when({ type: 'RequestPasswordReset', metadata: { actorId: 'u1', now } }).thenThrows('offline_no_login');
  });

  it('activates a pending client once, and deletes', () => {
    spec.given([added({ status: 'pending' })]).when({ type: 'Activate', metadata: { now } }).then([{ type: 'ClientActivated', data: { ...ids, activatedAt: now } }]);
    spec.given([added()]).when({ type: 'Activate', metadata: { now } }).thenNothingHappens();
    spec.given([added()]).when({ type: 'DeleteClient', metadata: { actorId: 'u1', now } }).then([{ type: 'ClientDeleted', data: { ...ids, deletedAt: now, deletedBy: 'u1' } }]);
    spec.given([added(), { type: 'ClientDeleted', data: { ...ids, deletedAt: now, deletedBy: 'u1' } }]).when({ type: 'DeleteClient', metadata: { actorId: 'u1', now } }).thenThrows('not_found');
  });

  it('marks app access active once the client set a password, and then restores instead of inviting', () => {
    const active: ClientEvent = { type: 'ClientAppAccessActivated', data: { ...ids, activatedAt: now } };
    spec.given([added()]).when({ type: 'MarkAppAccessActive', metadata: { now } }).then([active]);
    spec.given([added(), active]).when({ type: 'MarkAppAccessActive', metadata: { now } }).thenNothingHappens();
    spec
      .given([added(), active, typeChanged('full_access', 'offline', 'access_revoked', 'none')])
      .when(changeType('full_access'))
      .then([typeChanged('offline', 'full_access', 'access_restored', 'active')]);
  });

  it('counts its version from 0, one per event', () => {
    const state = fold(clientDecider, [added(), typeChanged('full_access', 'offline', 'access_revoked', 'none')]) as ExistingClient;
    expect(state.version).toBe(1);
  });
});

describe('roster', () => {
  const spec = deciderSpec(rosterDecider);
  const limit = (seatLimit: number | null, accountVersion = 0): RosterEvent => ({ type: 'RosterSeatLimitSet', data: { accountId: 'a1', seatLimit, accountVersion } });
  const request = (clientId: string, whenFull: 'refuse' | 'wait' = 'refuse', emailKey = `key-${clientId}`): EnrolmentRequest => ({
    clientId,
    emailKey,
    whenFull,
    client: { clientId },
  });
  const enrolled = (clientId: string, status: 'active' | 'pending' = 'active', emailKey = `key-${clientId}`): RosterEvent => ({
    type: 'ClientEnrolled',
    data: { clientId, emailKey, status, client: { clientId } },
  });
  const enrol = (...requests: EnrolmentRequest[]) => ({ type: 'EnrolClients' as const, enrolments: requests });
  const promoted = (clientId: string): RosterEvent => ({ type: 'ClientPromoted', data: { clientId } });
  const removed = (clientId: string): RosterEvent => ({ type: 'ClientRemoved', data: { clientId, emailKey: `key-${clientId}` } });

  it('enrols clients while seats are free, and any number without a limit', () => {
    spec.given([limit(2), enrolled('c1')]).when(enrol(request('c2'))).then([enrolled('c2')]);
    spec.given([limit(null), enrolled('c1'), enrolled('c2')]).when(enrol(request('c3'))).then([enrolled('c3')]);
  });

  it('refuses a manual add when every seat is taken, and puts a buyer on the waiting list', () => {
    spec.given([limit(1), enrolled('c1')]).when(enrol(request('c2'))).thenNothingHappens();
    expect(planEnrolments(fold(rosterDecider, [limit(1), enrolled('c1')]), [request('c2')])[0].refusal?.code).toBe('seat_limit_reached');
    spec.given([limit(1), enrolled('c1')]).when(enrol(request('c2', 'wait'))).then([enrolled('c2', 'pending')]);
  });

  it('words the seat-limit refusal for the limit it met', () => {
    const refusal = (seats: number, taken: string[]) => planEnrolments(fold(rosterDecider, [limit(seats), ...taken.map((id) => enrolled(id))]), [request('new')])[0].refusal?.message;
    expect(refusal(0, [])).toBe('This account has no client seats: raise the seat limit in Settings (an administrator can).');
    expect(refusal(1, ['c1'])).toBe('The one client seat of this account is taken: remove that client, or raise the seat limit in Settings (an administrator can).');
    expect(refusal(3, ['c1', 'c2', 'c3'])).toBe('All 3 client seats of this account are taken: remove a client, or raise the seat limit in Settings (an administrator can).');
  });

  it('refuses a second client with the same e-mail, even a pending one', () => {
    const state = fold(rosterDecider, [limit(null), enrolled('c1', 'active', 'same')]);
    expect(planEnrolments(state, [request('c2', 'refuse', 'same')])[0].refusal?.code).toBe('email_taken');
    const full = fold(rosterDecider, [limit(0), enrolled('p1', 'pending', 'waiting')]);
    expect(planEnrolments(full, [request('c2', 'wait', 'waiting')])[0].refusal?.code).toBe('email_taken');
  });

  it('decides a batch in order: seats and e-mails taken earlier in the batch count', () => {
    const state = fold(rosterDecider, [limit(2), enrolled('c1')]);
    const plans = planEnrolments(state, [request('c2'), request('c3'), request('c4', 'refuse', 'key-c2')]);
    expect(plans.map((p) => p.refusal?.code ?? 'enrolled')).toEqual(['enrolled', 'seat_limit_reached', 'email_taken']);
  });

  it('hands back the plan of each enrolment with the events it decided (the decider outcome)', () => {
    const state = fold(rosterDecider, [limit(2), enrolled('c1')]);
    const { events, result } = rosterEnrolmentDecider.decide(enrol(request('c2'), request('c3'), request('c1')), state);
    expect(events).toEqual([enrolled('c2')]);
    expect(result.map((p) => p.refusal?.code ?? (p.event ? 'enrolled' : 'already'))).toEqual(['enrolled', 'seat_limit_reached', 'already']);
    expect(events).toEqual(rosterDecider.decide(enrol(request('c2'), request('c3'), request('c1')), fold(rosterDecider, [limit(2), enrolled('c1')])));
  });

  it('enrolling the same client again changes nothing, even with the seats full', () => {
    spec.given([limit(1), enrolled('c1')]).when(enrol(request('c1'))).thenNothingHappens();
  });

  it('keeps the limit of the newest account version, whatever order they arrive in', () => {
    spec.given([limit(5, 3)]).when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: 2, accountVersion: 1 }).thenNothingHappens();
    spec.given([limit(5, 3)]).when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: 2, accountVersion: 4 }).then([limit(2, 4)]);
  });

  it('promotes waiting clients first come first served when the limit rises', () => {
    spec
      .given([limit(1), enrolled('c1'), enrolled('p1', 'pending'), enrolled('p2', 'pending'), enrolled('p3', 'pending')])
      .when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: 3, accountVersion: 1 })
      .then([limit(3, 1), promoted('p1'), promoted('p2')]);
    spec
      .given([limit(1), enrolled('c1'), enrolled('p1', 'pending')])
      .when({ type: 'SetSeatLimit', accountId: 'a1', seatLimit: null, accountVersion: 1 })
      .then([limit(null, 1), promoted('p1')]);
  });

  it('gives a freed seat to whoever waited longest; removing a waiting client promotes nobody', () => {
    spec.given([limit(1), enrolled('c1'), enrolled('p1', 'pending'), enrolled('p2', 'pending')]).when({ type: 'RemoveClient', clientId: 'c1' }).then([removed('c1'), promoted('p1')]);
    spec.given([limit(1), enrolled('c1'), enrolled('p1', 'pending')]).when({ type: 'RemoveClient', clientId: 'p1' }).then([removed('p1')]);
    spec.given([limit(1), enrolled('c1')]).when({ type: 'RemoveClient', clientId: 'nobody' }).thenNothingHappens();
  });

  it('frees the e-mail of a removed client', () => {
    const state = fold(rosterDecider, [limit(null), enrolled('c1', 'active', 'k'), removed('c1')].map((e) => (e.type === 'ClientRemoved' ? { ...e, data: { ...e.data, emailKey: 'k' } } : e)));
    expect(planEnrolments(state, [request('c2', 'refuse', 'k')])[0].event).toBeDefined();
  });

  it('changes an e-mail unless another client holds it', () => {
    spec.given([limit(null), enrolled('c1', 'active', 'a'), enrolled('c2', 'active', 'b')]).when({ type: 'ChangeEmail', clientId: 'c1', emailKey: 'b' }).thenThrows('email_taken');
    spec.given([limit(null), enrolled('c1', 'active', 'a')]).when({ type: 'ChangeEmail', clientId: 'c1', emailKey: 'c' }).then([
      { type: 'RosterEmailChanged', data: { clientId: 'c1', emailKey: 'c', previousEmailKey: 'a' } },
    ]);
    spec.given([limit(null), enrolled('c1', 'active', 'a')]).when({ type: 'ChangeEmail', clientId: 'c1', emailKey: 'a' }).thenNothingHappens();
    spec.given([limit(null)]).when({ type: 'ChangeEmail', clientId: 'c9', emailKey: 'x' }).thenThrows('not_found');
  });

  it('counts seats: active clients take them, waiting ones do not', () => {
    const state = fold(rosterDecider, [limit(2), enrolled('c1'), enrolled('c2'), enrolled('p1', 'pending'), removed('c2'), promoted('p1')]);
    expect({ active: state.active, waiting: state.waiting }).toEqual({ active: 2, waiting: [] });
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
