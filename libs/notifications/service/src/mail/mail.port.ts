import type { WriteOp } from '@clientele/platform/document-store';

export interface OutgoingMail {
  /** The id of the triggering event: one mail per id. */
  id: string;
  kind: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** The e-mail port: SendGrid in production, the dev mailbox otherwise. */
export interface MailSender {
  /**
   * Sends the mail, or answers the writes that deliver it (the dev mailbox stores it, in the same
   * commit as the consumer's inbox row). Throws TransientMailError to be retried later, and
   * PermanentMailError when retrying can never help.
   */
  deliver(mail: OutgoingMail): Promise<readonly WriteOp[]>;
}

export class TransientMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientMailError';
  }
}

export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}
