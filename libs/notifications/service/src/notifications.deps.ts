import type { EventBus, RequestClient } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { JsonLogger } from '@clientele/platform/logging';
import type { MailOutcomeObserver } from './mail/counted-sender';
import type { MailSender } from './mail/mail.port';

export interface NotificationsDeps {
  documents: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
  sender: MailSender;
  /** The dev mailbox, when mail goes there (never in production). */
  devMailbox: import('./mail/dev-mailbox').DevMailbox | null;
  mailFrom: string;
  logger: JsonLogger;
  /** Delays between attempts of a mail that failed for a while (429, 5xx). */
  retryDelaysMs?: number[];
  /** Told what became of each mail handed to the sender (metrics). */
  onMailOutcome?: MailOutcomeObserver;
}

export const NOTIFICATIONS_DEPS = Symbol('NotificationsDeps');
