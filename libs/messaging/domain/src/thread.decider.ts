import { MessagingErrors } from '@clientele/messaging/contracts';
import { AppError, ClientType, Decider, ErrorCodes } from '@clientele/platform/core';

export type Sender = 'coach' | 'client';

/**
 * The client-type messaging policy (architecture.md): a coach may write to full-access clients of
 * both kinds, never to an offline one; a client may write back only on full_access.
 */
export function mayWrite(from: Sender, type: ClientType): boolean {
  if (from === 'coach') return type === 'full_access' || type === 'full_access_one_way';
  return type === 'full_access';
}

/** One thread per client (`thread-<clientId>`), coach side and client side. */
export type ThreadEvent =
  | { type: 'MessageSent'; data: { messageId: string; clientId: string; accountId: string; from: Sender; senderId: string; body: string; sentAt: string } }
  | { type: 'ThreadClosed'; data: { clientId: string; accountId: string; closedAt: string } };

export type ThreadCommand =
  | { type: 'SendMessage'; messageId: string; clientId: string; accountId: string; from: Sender; senderId: string; body: string; clientType: ClientType; now: string }
  | { type: 'CloseThread'; clientId: string; accountId: string; now: string };

export interface ThreadState {
  closed: boolean;
  messages: number;
}

export const MAX_MESSAGE_LENGTH = 5000;

export const threadDecider: Decider<ThreadCommand, ThreadState, ThreadEvent> = {
  initialState: () => ({ closed: false, messages: 0 }),
  decide(command, state) {
    switch (command.type) {
      case 'SendMessage': {
        if (state.closed) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
        if (typeof command.body !== 'string' || command.body.length < 1 || command.body.length > MAX_MESSAGE_LENGTH || command.body.trim() === '') {
          throw new AppError(ErrorCodes.validationFailed, `A message holds 1 to ${MAX_MESSAGE_LENGTH} characters.`, [
            { field: 'body', message: `must be 1 to ${MAX_MESSAGE_LENGTH} characters` },
          ]);
        }
        if (!mayWrite(command.from, command.clientType)) {
          throw MessagingErrors.messagingNotAllowed(command.from);
        }
        const { messageId, clientId, accountId, from, senderId, body, now } = command;
        return [{ type: 'MessageSent', data: { messageId, clientId, accountId, from, senderId, body, sentAt: now } }];
      }
      case 'CloseThread':
        return state.closed ? [] : [{ type: 'ThreadClosed', data: { clientId: command.clientId, accountId: command.accountId, closedAt: command.now } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'MessageSent':
        return { ...state, messages: state.messages + 1 };
      case 'ThreadClosed':
        return { ...state, closed: true };
      default:
        return state;
    }
  },
};
