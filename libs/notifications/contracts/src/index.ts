export * from './errors';

/** What other services (and the gateway) may know of notifications. */
export const NotificationsSubjects = {
  /** Outside production only: the mails the dev mailbox holds for an address, newest first. */
  devMailbox: 'notifications.query.dev-mailbox',
  health: 'notifications.query.health',
} as const;

export interface DevMailboxItem {
  id: string;
  to: string;
  kind: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}
