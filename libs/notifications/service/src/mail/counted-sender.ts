import { MailSender, OutgoingMail, PermanentMailError } from './mail.port';

/** What became of a mail handed to the provider: sent, failed for now (retried later), or failed for good (a dead letter). */
export type MailOutcome = 'sent' | 'transient_failure' | 'permanent_failure';

/** Told of every delivery attempt's outcome, by the mail's kind (metrics: `clientele_mail_sent_total`). */
export type MailOutcomeObserver = (kind: string, outcome: MailOutcome) => void;

/**
 * The sender, with each delivery's outcome told to `observe`. Any failure but a permanent one is
 * retried by the consumer, so counts as transient.
 */
export function countedSender(sender: MailSender, observe: MailOutcomeObserver | undefined): MailSender {
  if (!observe) return sender;
  return {
    async deliver(mail: OutgoingMail) {
      try {
        const writes = await sender.deliver(mail);
        observe(mail.kind, 'sent');
        return writes;
      } catch (error) {
        observe(mail.kind, error instanceof PermanentMailError ? 'permanent_failure' : 'transient_failure');
        throw error;
      }
    },
  };
}
