import { oneLine } from '@clientele/platform/core';
import type { WriteOp } from '@clientele/platform/document-store';
import { MailService } from '@sendgrid/mail';
import { MailSender, OutgoingMail, PermanentMailError, TransientMailError } from './mail.port';

export interface SendGridOptions {
  apiKey: string;
  /** Only for tests and proxies: another address for the SendGrid v3 API. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * Mail through SendGrid's v3 mail/send API. 429 and 5xx (and no answer) are transient: the mail is
 * tried again later; any other 4xx is permanent. The mail id travels as a custom argument, so a
 * mail can be found in SendGrid's activity feed.
 */
export class SendGridSender implements MailSender {
  private readonly service = new MailService();

  constructor(options: SendGridOptions) {
    this.service.setApiKey(options.apiKey);
    this.service.setTimeout(options.timeoutMs ?? 10_000);
    if (options.baseUrl) (this.service as unknown as { client: { setDefaultRequest(key: string, value: string): void } }).client.setDefaultRequest('baseUrl', options.baseUrl);
  }

  async deliver(mail: OutgoingMail): Promise<readonly WriteOp[]> {
    try {
      await this.service.send({
        to: mail.to,
        from: mail.from,
        // The last stop before a header: whatever rendered the subject, it goes out as one line.
        subject: oneLine(mail.subject),
        text: mail.text,
        html: mail.html,
        customArgs: { mailId: mail.id, kind: mail.kind },
      });
      return [];
    } catch (error) {
      const status = (error as { code?: number }).code;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
        throw new PermanentMailError(`SendGrid refused the mail (${status}): ${describeBody(error)}`);
      }
      throw new TransientMailError(`SendGrid did not take the mail (${status ?? 'no answer'}); it will be tried again.`);
    }
  }
}

function describeBody(error: unknown): string {
  const body = (error as { response?: { body?: unknown } }).response?.body;
  const first = (body as { errors?: Array<{ message?: string }> } | undefined)?.errors?.[0]?.message;
  return first ?? 'no reason given';
}
