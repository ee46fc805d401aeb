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
  | {
      type: 'SendMessage';
      messageId: string;
      clientId: string;
      accountId: string;
      from: Sender;
      body: string;
      clientType: ClientType;
      /** The actor is the sender: the coach, or the client themselves. */
      metadata: { actorId: string; now: string };
    }
  | { type: 'CloseThread'; clientId: string; accountId: string; metadata: { now: string } };

/** A thread is open from its first message (or before it); the client's deletion closes it for good. */
export type ThreadState = { status: 'open' } | { status: 'closed' };

export const MAX_MESSAGE_LENGTH = 5000;

export const sendMessage = (command: Extract<ThreadCommand, { type: 'SendMessage' }>, state: ThreadState): ThreadEvent[] => {
  if (state.status === 'closed') throw new AppError(ErrorCodes.notFound, 'No client with this id.');
  if (typeof command.body !== 'string' || command.body.length < 1 || command.body.length > MAX_MESSAGE_LENGTH || command.body.trim() === '') {
    throw new AppError(ErrorCodes.validationFailed, `A message holds 1 to ${MAX_MESSAGE_LENGTH} characters.`, [
      { field: 'body', message: `must be 1 to ${MAX_MESSAGE_LENGTH} characters` },
    ]);
  }
  if (!mayWrite(command.from, command.clientType)) {
    throw MessagingErrors.messagingNotAllowed(command.from);
  }
  const { messageId, clientId, accountId, from, body } = command;
  const { actorId: senderId, now } = command.metadata;
  return [{ type: 'MessageSent', data: { messageId, clientId, accountId, from, senderId, body, sentAt: now } }];
};

export const closeThread = (command: Extract<ThreadCommand, { type: 'CloseThread' }>, state: ThreadState): ThreadEvent[] =>
  state.status === 'closed' ? [] : [{ type: 'ThreadClosed', data: { clientId: command.clientId, accountId: command.accountId, closedAt: command.metadata.now } }];

export const threadDecider: Decider<ThreadCommand, ThreadState, ThreadEvent> = {
  initialState: () => ({ status: 'open' }),
  decide(command, state) {
    switch (command.type) {
      case 'SendMessage':
        return sendMessage(command, state);
      case 'CloseThread':
        return closeThread(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown thread command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  // A message changes nothing a later decision reads; only the closing does.
  evolve: (state, event) => (event.type === 'ThreadClosed' ? { status: 'closed' } : state),
};
