import type { DevMailboxItem } from '@clientele/notifications/contracts';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import { MailSender, OutgoingMail } from './mail.port';

export const DEV_MAILBOX = 'dev_mailbox';

type StoredMail = DevMailboxItem & { toKey: string; [key: string]: unknown };

/** The default outside production: mails are kept, readable at GET /api/v1/dev/mailbox?to=. */
export class DevMailbox implements MailSender {
  constructor(private readonly documents: DocumentStore) {}

  async deliver(mail: OutgoingMail): Promise<readonly WriteOp[]> {
    const doc: StoredMail = {
      id: mail.id,
      to: mail.to,
      toKey: mail.to.trim().toLowerCase(),
      kind: mail.kind,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      sentAt: new Date().toISOString(),
    };
    return [{ op: 'upsert', collection: DEV_MAILBOX, doc }];
  }

  async list(to: string): Promise<DevMailboxItem[]> {
    const docs = await this.documents.collection<StoredMail>(DEV_MAILBOX).find({ toKey: to.trim().toLowerCase() }, { sort: [['sentAt', -1]], limit: 100 });
    return docs.map(({ id, to: recipient, kind, subject, text, html, sentAt }) => ({ id, to: recipient, kind, subject, text, html, sentAt }));
  }
}
