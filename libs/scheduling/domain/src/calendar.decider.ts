import { AppError, Decider, ErrorCodes, type Money } from '@clientele/platform/core';
import { SchedulingErrors } from '@clientele/scheduling/contracts';

export type SessionStatus = 'scheduled' | 'completed' | 'no_show' | 'cancelled';

/** Where a session happens: an address (or room) in person, or a meeting link online. */
export interface SessionPlace {
  online: boolean;
  location: string | null;
}

export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 12 * 60;

type SessionRef = { sessionId: string; clientId: string; accountId: string };

/**
 * A coach's calendar (`calendar-<coachId>`): every session the coach leads, with its payment. One
 * stream per coach is the consistency boundary of "a coach is never in two sessions at once":
 * scheduling and rescheduling decide on every session of the coach and append with the revision
 * they read, so two bookings racing for one slot cannot both win.
 */
export type CalendarEvent =
  | {
      type: 'SessionScheduled';
      data: SessionRef & { coachId: string; start: string; durationMinutes: number; online: boolean; location: string | null; price: Money; scheduledAt: string };
    }
  | { type: 'SessionRescheduled'; data: SessionRef & { previousStart: string; start: string; durationMinutes: number; online: boolean; location: string | null; rescheduledAt: string } }
  | { type: 'SessionCancelled'; data: SessionRef & { reason: string | null; cancelledAt: string } }
  /**
   * `attended: false` is a no-show: the session took place in the calendar, the client did not come.
   * `prepaid`: the session was paid on its own before it was completed, so it takes nothing from a
   * bundle (absent on events recorded before bundles were consumed this way: read false).
   */
  | { type: 'SessionCompleted'; data: SessionRef & { start: string; attended: boolean; prepaid?: boolean; completedAt: string } }
  /** The session was taken from one of the client's bundles: nothing is owed for it on its own. */
  | { type: 'SessionCoveredByBundle'; data: SessionRef & { bundleId: string; coveredAt: string } }
  | { type: 'SessionPaymentRecorded'; data: SessionRef & { amount: Money; paidAt: string } }
  | { type: 'SessionPaymentRefunded'; data: SessionRef & { amount: Money; paidAt: string; refundedAt: string } };

export type CalendarCommand =
  | {
      type: 'ScheduleSession';
      sessionId: string;
      accountId: string;
      coachId: string;
      clientId: string;
      start: string;
      durationMinutes: number;
      online: boolean;
      location: string | null;
      price: Money;
      metadata: { now: string };
    }
  | { type: 'RescheduleSession'; sessionId: string; start?: string; durationMinutes?: number; online?: boolean; location?: string | null; metadata: { now: string } }
  | { type: 'CancelSession'; sessionId: string; reason: string | null; metadata: { now: string } }
  | { type: 'CompleteSession'; sessionId: string; attended: boolean; metadata: { now: string } }
  | { type: 'CoverSession'; sessionId: string; bundleId: string; metadata: { now: string } }
  | { type: 'RecordPayment'; sessionId: string; amount?: Money; metadata: { now: string } }
  | { type: 'RefundPayment'; sessionId: string; metadata: { now: string } };

type CalendarCommandOf<Type extends CalendarCommand['type']> = Extract<CalendarCommand, { type: Type }>;

export interface CalendarSession {
  sessionId: string;
  clientId: string;
  accountId: string;
  startMs: number;
  endMs: number;
  start: string;
  durationMinutes: number;
  online: boolean;
  location: string | null;
  price: Money;
  status: SessionStatus;
  payment: { status: 'paid' | 'refunded'; amount: Money; paidAt: string } | null;
  /** The bundle the session was taken from, once completed. */
  bundleId: string | null;
}

export interface CalendarState {
  sessions: Record<string, CalendarSession>;
}

const endOf = (startMs: number, minutes: number) => startMs + minutes * 60_000;

function parseStart(start: string): number {
  const ms = Date.parse(start);
  if (typeof start !== 'string' || Number.isNaN(ms)) {
    throw new AppError(ErrorCodes.validationFailed, 'The start must be an ISO-8601 date and time, such as 2026-11-23T09:00:00Z.', [
      { field: 'start', message: 'must be an ISO-8601 date and time' },
    ]);
  }
  return ms;
}

function checkDuration(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < MIN_DURATION_MINUTES || minutes > MAX_DURATION_MINUTES) {
    throw new AppError(ErrorCodes.validationFailed, `A session lasts ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES} minutes.`, [
      { field: 'durationMinutes', message: `must be a whole number from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}` },
    ]);
  }
}

/** The first session of the coach (other than `except`) that overlaps [startMs, endMs); cancelled ones free their slot. */
export function clash(state: CalendarState, startMs: number, endMs: number, except?: string): CalendarSession | undefined {
  return Object.values(state.sessions).find((s) => s.sessionId !== except && s.status !== 'cancelled' && s.startMs < endMs && startMs < s.endMs);
}

function existing(state: CalendarState, sessionId: string): CalendarSession {
  const session = state.sessions[sessionId];
  if (!session) throw SchedulingErrors.sessionNotFound();
  return session;
}

const ref = (s: CalendarSession): SessionRef => ({ sessionId: s.sessionId, clientId: s.clientId, accountId: s.accountId });

export const scheduleSession = (command: CalendarCommandOf<'ScheduleSession'>, state: CalendarState): CalendarEvent[] => {
  if (state.sessions[command.sessionId]) return [];
  const startMs = parseStart(command.start);
  checkDuration(command.durationMinutes);
  if (!Number.isInteger(command.price.amount) || command.price.amount < 0) {
    throw new AppError(ErrorCodes.validationFailed, 'A price is a whole, non-negative number of minor units (cents).', [{ field: 'price.amount', message: 'must be a non-negative integer' }]);
  }
  const other = clash(state, startMs, endOf(startMs, command.durationMinutes));
  if (other) throw SchedulingErrors.coachDoubleBooked(other);
  const { sessionId, accountId, coachId, clientId, durationMinutes, online, location, price } = command;
  return [
    {
      type: 'SessionScheduled',
      data: { sessionId, accountId, coachId, clientId, start: new Date(startMs).toISOString(), durationMinutes, online, location, price, scheduledAt: command.metadata.now },
    },
  ];
};

export const rescheduleSession = (command: CalendarCommandOf<'RescheduleSession'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (session.status !== 'scheduled') {
    throw SchedulingErrors.sessionNotMovable(session.status);
  }
  const startMs = command.start !== undefined ? parseStart(command.start) : session.startMs;
  const durationMinutes = command.durationMinutes ?? session.durationMinutes;
  checkDuration(durationMinutes);
  const online = command.online ?? session.online;
  const location = command.location !== undefined ? command.location : session.location;
  if (startMs === session.startMs && durationMinutes === session.durationMinutes && online === session.online && location === session.location) return [];
  const other = clash(state, startMs, endOf(startMs, durationMinutes), session.sessionId);
  if (other) throw SchedulingErrors.coachDoubleBooked(other);
  return [
    {
      type: 'SessionRescheduled',
      data: { ...ref(session), previousStart: session.start, start: new Date(startMs).toISOString(), durationMinutes, online, location, rescheduledAt: command.metadata.now },
    },
  ];
};

export const cancelSession = (command: CalendarCommandOf<'CancelSession'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (session.status === 'cancelled') return [];
  if (session.status !== 'scheduled') throw SchedulingErrors.sessionAlreadyHeld();
  return [{ type: 'SessionCancelled', data: { ...ref(session), reason: command.reason, cancelledAt: command.metadata.now } }];
};

export const completeSession = (command: CalendarCommandOf<'CompleteSession'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (session.status === 'completed' || session.status === 'no_show') return [];
  if (session.status === 'cancelled') throw SchedulingErrors.sessionCancelled();
  const { now } = command.metadata;
  if (Date.parse(now) < session.startMs) {
    throw SchedulingErrors.sessionNotStarted(session.start);
  }
  const prepaid = session.payment !== null;
  return [{ type: 'SessionCompleted', data: { ...ref(session), start: session.start, attended: command.attended, prepaid, completedAt: now } }];
};

export const coverSession = (command: CalendarCommandOf<'CoverSession'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (session.bundleId !== null) return [];
  return [{ type: 'SessionCoveredByBundle', data: { ...ref(session), bundleId: command.bundleId, coveredAt: command.metadata.now } }];
};

export const recordPayment = (command: CalendarCommandOf<'RecordPayment'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (session.payment) {
    throw SchedulingErrors.paymentAlreadyRecorded('session', session.payment.status);
  }
  if (session.bundleId !== null) {
    // Paying for it again would charge the client twice.
    throw SchedulingErrors.sessionCoveredByBundle();
  }
  const amount = command.amount ?? session.price;
  if (!Number.isInteger(amount.amount) || amount.amount <= 0) {
    throw SchedulingErrors.nothingToPay('session');
  }
  return [{ type: 'SessionPaymentRecorded', data: { ...ref(session), amount, paidAt: command.metadata.now } }];
};

export const refundPayment = (command: CalendarCommandOf<'RefundPayment'>, state: CalendarState): CalendarEvent[] => {
  const session = existing(state, command.sessionId);
  if (!session.payment || session.payment.status !== 'paid') {
    throw SchedulingErrors.paymentNotRefundable('session', session.payment !== null);
  }
  return [{ type: 'SessionPaymentRefunded', data: { ...ref(session), amount: session.payment.amount, paidAt: session.payment.paidAt, refundedAt: command.metadata.now } }];
};

export const calendarDecider: Decider<CalendarCommand, CalendarState, CalendarEvent> = {
  initialState: () => ({ sessions: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'ScheduleSession':
        return scheduleSession(command, state);
      case 'RescheduleSession':
        return rescheduleSession(command, state);
      case 'CancelSession':
        return cancelSession(command, state);
      case 'CompleteSession':
        return completeSession(command, state);
      case 'CoverSession':
        return coverSession(command, state);
      case 'RecordPayment':
        return recordPayment(command, state);
      case 'RefundPayment':
        return refundPayment(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown calendar command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    // The map of sessions is updated in place (each session is replaced, never changed): a busy
    // coach's calendar holds thousands of sessions, and copying the map per event made folding 1,300
    // of them take ~120 ms (bench/RESULTS.md, sessions). A state is only evolved by the fold (or the
    // command) that owns it, as the roster's.
    const sessions = state.sessions;
    const current = sessions[event.data.sessionId];
    switch (event.type) {
      case 'SessionScheduled': {
        const { sessionId, clientId, accountId, start, durationMinutes, online, location, price } = event.data;
        const startMs = Date.parse(start);
        sessions[sessionId] = { sessionId, clientId, accountId, start, startMs, endMs: endOf(startMs, durationMinutes), durationMinutes, online, location, price, status: 'scheduled', payment: null, bundleId: null };
        break;
      }
      case 'SessionRescheduled': {
        if (!current) return state;
        const startMs = Date.parse(event.data.start);
        const { start, durationMinutes, online, location } = event.data;
        sessions[current.sessionId] = { ...current, start, startMs, endMs: endOf(startMs, durationMinutes), durationMinutes, online, location };
        break;
      }
      case 'SessionCancelled':
        if (!current) return state;
        sessions[current.sessionId] = { ...current, status: 'cancelled' };
        break;
      case 'SessionCompleted':
        if (!current) return state;
        sessions[current.sessionId] = { ...current, status: event.data.attended ? 'completed' : 'no_show' };
        break;
      case 'SessionCoveredByBundle':
        if (!current) return state;
        sessions[current.sessionId] = { ...current, bundleId: event.data.bundleId };
        break;
      case 'SessionPaymentRecorded':
        if (!current) return state;
        sessions[current.sessionId] = { ...current, payment: { status: 'paid', amount: event.data.amount, paidAt: event.data.paidAt } };
        break;
      case 'SessionPaymentRefunded':
        if (!current || !current.payment) return state;
        sessions[current.sessionId] = { ...current, payment: { ...current.payment, status: 'refunded' } };
        break;
      default:
        return state;
    }
    return { sessions };
  },
};
