import { Decider } from '@clientele/platform/core';

/**
 * A client's session links (`sessionlinks-<clientId>`): the coaches who have (had) a session with
 * the client, and so may see it. Scheduling announces every booked session; the first one of a
 * coach and client links them, and nothing unlinks them (a cancelled session still was a session).
 */
export interface CoachLinkedBySessionData {
  clientId: string;
  accountId: string;
  coachId: string;
  /** The session that linked them: the first one of the pair. */
  sessionId: string;
  linkedAt: string;
}

export type SessionLinkEvent = { type: 'CoachLinkedBySession'; data: CoachLinkedBySessionData };

export type SessionLinkCommand = { type: 'LinkCoachBySession' } & CoachLinkedBySessionData;

export interface SessionLinkState {
  /** Linked coach id -> the session that linked them. */
  coaches: Record<string, string>;
}

/** A pair is linked once: another session of theirs, or the same one announced again, records nothing. */
export const linkCoachBySession = (command: SessionLinkCommand, state: SessionLinkState): SessionLinkEvent[] => {
  if (state.coaches[command.coachId] !== undefined) return [];
  const { clientId, accountId, coachId, sessionId, linkedAt } = command;
  return [{ type: 'CoachLinkedBySession', data: { clientId, accountId, coachId, sessionId, linkedAt } }];
};

export const sessionLinkDecider: Decider<SessionLinkCommand, SessionLinkState, SessionLinkEvent> = {
  initialState: () => ({ coaches: {} }),

  // Its one command: nothing to dispatch.
  decide: linkCoachBySession,

  evolve(state, event) {
    switch (event.type) {
      case 'CoachLinkedBySession':
        if (state.coaches[event.data.coachId] !== undefined) return state;
        return { coaches: { ...state.coaches, [event.data.coachId]: event.data.sessionId } };
      default:
        return state;
    }
  },
};
