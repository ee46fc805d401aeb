import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';
import type { Money } from './calendar.decider';

/**
 * A client's programs (`programs-<clientId>`): bundles of N sessions sold to the client, from a
 * product or made up by the coach ("New bundle"). A bundle is active while sessions remain (and it
 * has not expired), completed when used up or expired. Completing a session (attended or a
 * no-show: the slot was held) consumes one session from the client's oldest active bundle; a
 * session is consumed at most once, whatever redelivers the completion.
 */
export type ProgramsEvent =
  | {
      type: 'BundleCreated';
      data: {
        bundleId: string;
        clientId: string;
        accountId: string;
        name: string;
        sessions: number;
        price: Money;
        productId: string | null;
        expiresAt: string | null;
        createdBy: string;
        createdAt: string;
      };
    }
  | { type: 'BundleSessionConsumed'; data: { bundleId: string; clientId: string; accountId: string; sessionId: string; remaining: number; consumedAt: string } }
  | { type: 'BundleUsedUp'; data: { bundleId: string; clientId: string; accountId: string; usedUpAt: string } };

export type ProgramsCommand =
  | {
      type: 'CreateBundle';
      bundleId: string;
      clientId: string;
      accountId: string;
      name: string;
      sessions: number;
      price: Money;
      productId: string | null;
      expiresAt: string | null;
      createdBy: string;
      now: string;
    }
  | { type: 'ConsumeSession'; clientId: string; accountId: string; sessionId: string; sessionStart: string; now: string };

export interface BundleState {
  bundleId: string;
  sessions: number;
  used: number;
  expiresAt: string | null;
  createdAt: string;
}

export interface ProgramsState {
  bundles: BundleState[];
  /** sessionId -> the bundle it was taken from */
  consumed: Record<string, string>;
}

export const MAX_BUNDLE_SESSIONS = 500;

/** The bundle a session held at `at` is taken from: the oldest one with sessions left that had not expired by then. */
export function bundleFor(state: ProgramsState, at: string): BundleState | undefined {
  const atMs = Date.parse(at);
  return state.bundles.find((b) => b.used < b.sessions && (b.expiresAt === null || Date.parse(b.expiresAt) > atMs));
}

export const programsDecider: Decider<ProgramsCommand, ProgramsState, ProgramsEvent> = {
  initialState: () => ({ bundles: [], consumed: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateBundle': {
        if (state.bundles.some((b) => b.bundleId === command.bundleId)) return [];
        const errors = [];
        if (typeof command.name !== 'string' || command.name.trim() === '' || command.name.length > 200) errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
        if (!Number.isInteger(command.sessions) || command.sessions < 1 || command.sessions > MAX_BUNDLE_SESSIONS) {
          errors.push({ field: 'sessions', message: `must be a whole number from 1 to ${MAX_BUNDLE_SESSIONS}` });
        }
        if (!Number.isInteger(command.price.amount) || command.price.amount < 0) errors.push({ field: 'price.amount', message: 'must be a non-negative integer' });
        if (command.expiresAt !== null && (Number.isNaN(Date.parse(command.expiresAt)) || Date.parse(command.expiresAt) <= Date.parse(command.now))) {
          errors.push({ field: 'expiresAt', message: 'must be a date and time in the future' });
        }
        if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some fields of the bundle are not valid; see errors.', errors);
        const { bundleId, clientId, accountId, name, sessions, price, productId, createdBy, now } = command;
        const expiresAt = command.expiresAt === null ? null : new Date(command.expiresAt).toISOString();
        return [{ type: 'BundleCreated', data: { bundleId, clientId, accountId, name: name.trim(), sessions, price, productId, expiresAt, createdBy, createdAt: now } }];
      }
      case 'ConsumeSession': {
        if (state.consumed[command.sessionId]) return [];
        const bundle = bundleFor(state, command.sessionStart);
        // No active bundle: the session is paid on its own.
        if (!bundle) return [];
        const remaining = bundle.sessions - bundle.used - 1;
        const { clientId, accountId, sessionId, now } = command;
        const consumed: ProgramsEvent = { type: 'BundleSessionConsumed', data: { bundleId: bundle.bundleId, clientId, accountId, sessionId, remaining, consumedAt: now } };
        return remaining === 0 ? [consumed, { type: 'BundleUsedUp', data: { bundleId: bundle.bundleId, clientId, accountId, usedUpAt: now } }] : [consumed];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'BundleCreated': {
        const { bundleId, sessions, expiresAt, createdAt } = event.data;
        return { ...state, bundles: [...state.bundles, { bundleId, sessions, used: 0, expiresAt, createdAt }] };
      }
      case 'BundleSessionConsumed':
        return {
          bundles: state.bundles.map((b) => (b.bundleId === event.data.bundleId ? { ...b, used: b.used + 1 } : b)),
          consumed: { ...state.consumed, [event.data.sessionId]: event.data.bundleId },
        };
      default:
        return state;
    }
  },
};
