import type { MailSender, OutgoingMail } from '@clientele/notifications/service';

/**
 * The dev mailbox as a slow mail provider (`CLIENTELE_DEV_MAILBOX_DELAY_MS`): every mail takes
 * `delayMs` before it is handed over. For trying out, and testing, consumers slower than their
 * ack wait. No delay: the sender itself.
 */
export function slowedDown(sender: MailSender, delayMs: number): MailSender {
  if (delayMs <= 0) return sender;
  return {
    async deliver(mail: OutgoingMail) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return sender.deliver(mail);
    },
  };
}
