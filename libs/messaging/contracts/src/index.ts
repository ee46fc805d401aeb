export * from './errors';

/** What other services (and the gateway) may know of messaging. */
export const MessagingSubjects = {
  sendAsCoach: 'messaging.cmd.send-as-coach',
  sendAsClient: 'messaging.cmd.send-as-client',
  threadForCoach: 'messaging.query.thread-for-coach',
  threadForClient: 'messaging.query.thread-for-client',
  health: 'messaging.query.health',
} as const;

export const MessagingEvents = {
  /** A message was sent (no body): profile counts, and the "new message" mail. */
  messageSent: 'messaging.thread.message-sent.v1',
} as const;

export interface Message {
  id: string;
  from: 'coach' | 'client';
  body: string;
  sentAt: string;
}

export interface ClientPolicyUpdate {
  clientId: string;
  accountId: string;
  coachId: string;
  type: 'full_access' | 'full_access_one_way' | 'offline';
  /** The client stream's revision: a copy only moves forward. */
  version: number;
}

export interface MessageSentEventData {
  messageId: string;
  clientId: string;
  accountId: string;
  from: 'coach' | 'client';
  sentAt: string;
}

/** The messaging service's integration events: subject to data. */
export type MessagingIntegrationEvents = {
  [MessagingEvents.messageSent]: MessageSentEventData;
};
