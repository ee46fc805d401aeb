import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { UseCaseHarness, staffActor, type GivenEvent } from '@clientele/platform/testing';
import { SCHEDULING } from '../scheduling.deps';
import type { Scheduling } from '../scheduling';
import { SchedulingModule } from '../scheduling.module';

/**
 * The scheduling service alone on the embedded adapters, with a stand-in of the clients service's
 * roster (`clients.query.get-contact`): the clients it holds are those the test puts in `roster`
 * (client c1 of coach-1 to begin with).
 */
export async function startScheduling(): Promise<{ scheduling: UseCaseHarness; roster: Map<string, ClientContactView> }> {
  const scheduling = await UseCaseHarness.start({
    module: (adapters) => SchedulingModule.register(adapters),
    readModels: (app) => [app.get<Scheduling>(SCHEDULING).views],
  });
  const roster = new Map<string, ClientContactView>([['c1', contact('c1', 'coach-1')]]);
  scheduling.respond<{ clientId: string }>(ClientsSubjects.getContact, ({ data }) => {
    const found = roster.get(data.clientId);
    if (!found) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    return found;
  });
  return { scheduling, roster };
}

export const coach = staffActor('coach', 'coach-1', 'a1');
export const otherCoach = staffActor('coach', 'coach-2', 'a1');
export const admin = staffActor('admin', 'u-admin', 'a1');

export const contact = (clientId: string, coachId: string): ClientContactView => ({
  clientId,
  accountId: 'a1',
  coachId,
  firstName: 'Mo',
  lastName: 'Farah',
  email: 'mo@example.com',
  type: 'full_access',
  status: 'active',
  appAccess: 'active',
  version: 1,
});

/** The calendar stream of coach-1, where the sessions below are. */
export const calendar = 'calendar-coach-1';

const ref = (sessionId: string) => ({ sessionId, clientId: 'c1', accountId: 'a1' });

/** Session s1 of coach-1 with client c1, an hour at `start`, for 60 EUR. */
export const sessionScheduled = (sessionId = 's1', start = '2030-03-04T09:00:00.000Z'): GivenEvent => ({
  type: 'SessionScheduled',
  data: { ...ref(sessionId), coachId: 'coach-1', start, durationMinutes: 60, online: false, location: null, price: { amount: 6000, currency: 'EUR' }, scheduledAt: '2026-01-01T09:00:00.000Z' },
});

export const sessionCancelled = (sessionId = 's1'): GivenEvent => ({ type: 'SessionCancelled', data: { ...ref(sessionId), reason: null, cancelledAt: '2026-01-02T09:00:00.000Z' } });

export const sessionCompleted = (sessionId = 's1', start = '2030-03-04T09:00:00.000Z'): GivenEvent => ({
  type: 'SessionCompleted',
  data: { ...ref(sessionId), start, attended: true, prepaid: false, completedAt: '2030-03-04T10:00:00.000Z' },
});

export const sessionPaid = (sessionId = 's1'): GivenEvent => ({ type: 'SessionPaymentRecorded', data: { ...ref(sessionId), amount: { amount: 6000, currency: 'EUR' }, paidAt: '2026-01-02T09:00:00.000Z' } });

/** The programs stream of client c1, where the bundles below are. */
export const programs = 'programs-c1';

/** Bundle b1 of client c1: five sessions for 250 EUR, not paid yet. */
export const bundleCreated = (bundleId = 'b1', sessions = 5): GivenEvent => ({
  type: 'BundleCreated',
  data: {
    bundleId,
    clientId: 'c1',
    accountId: 'a1',
    name: 'Five sessions',
    sessions,
    price: { amount: 25000, currency: 'EUR' },
    productId: null,
    purchaseId: null,
    expiresAt: null,
    createdBy: 'coach-1',
    createdAt: '2026-01-01T09:00:00.000Z',
  },
});

export const bundlePaid = (bundleId = 'b1'): GivenEvent => ({
  type: 'BundlePaymentRecorded',
  data: { bundleId, clientId: 'c1', accountId: 'a1', amount: { amount: 25000, currency: 'EUR' }, paidAt: '2026-01-02T09:00:00.000Z' },
});
