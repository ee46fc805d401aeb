import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { IdentityEvents, IdentitySubjects, MailEnvelope, MailRequestedEventData, type IdentityIntegrationEvents } from '@clientele/identity/contracts';
import { Inbox } from '@clientele/platform/application';
import { untilAvailable, type ConsumerOptions, type IntegrationEvent, type IntegrationEventOf } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { WriteOp } from '@clientele/platform/document-store';
import { PermanentMailError } from './mail/mail.port';
import type { NotificationsDeps } from './notifications.deps';
import { render } from './templates/templates';

export const MAIL_CONSUMER = 'notifications--identity';
const THROTTLE = 'message_mail_throttle';

/** A delivered event that calls for a mail (whatever its data): its id makes the mail once. */
export type MailTrigger = Omit<IntegrationEvent, 'data'> & { data: object };

/**
 * One mail per `identity.client-access.mail-requested.v1`: the inbox (the event's id, kept with
 * the mails) makes a redelivered event send nothing more. The dev mailbox stores the mail in the
 * same commit as the inbox row: exactly once. SendGrid is sent first and recorded after: a crash
 * between the two (it answered, we did not record) sends that mail again on redelivery.
 * A permanent failure becomes a dead letter at once and never holds up later mails; retried from
 * the dead letters, it is sent then.
 */
export class SendClientMail {
  private readonly inbox: Inbox;
  /** How the consumers of mail-sending events redeliver: 429 / 5xx back off exponentially, then dead-letter. */
  readonly retries: Pick<ConsumerOptions, 'maxDeliveries' | 'retryDelaysMs'>;

  constructor(private readonly deps: NotificationsDeps) {
    this.inbox = new Inbox(deps.documents, MAIL_CONSUMER);
    this.retries = { maxDeliveries: 6, retryDelaysMs: deps.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000] };
  }

  async handle(event: IntegrationEventOf<IdentityIntegrationEvents, typeof IdentityEvents.mailRequested>): Promise<void> {
    return this.send(event, event.data, []);
  }

  /**
   * At most one mail per client per `windowMs`: the time of the last one is kept with the mails and
   * written in the same commit, so two deliveries can never both pass the check.
   */
  async handleThrottled(event: MailTrigger, request: MailRequestedEventData, at: number, windowMs: number): Promise<void> {
    if (await this.inbox.seen(event.id)) return;
    const last = await this.deps.documents.collection<{ id: string; lastMailAt: number }>(THROTTLE).get(request.clientId);
    if (last && at - last.lastMailAt < windowMs) {
      await this.inbox.handleOnce(event.id, async () => []);
      return;
    }
    await this.send(event, request, [{ op: 'upsert', collection: THROTTLE, doc: { id: request.clientId, lastMailAt: at }, version: at }]);
  }

  private async send(event: MailTrigger, request: MailRequestedEventData, extraWrites: WriteOp[]): Promise<void> {
    if (await this.inbox.seen(event.id)) return;
    const contact = await this.contact(request.clientId, event.metadata.correlationId);
    if (!contact) {
      // Deleted since: nobody to write to.
      await this.inbox.handleOnce(event.id, async () => []);
      return;
    }
    // Identity restarting is waited out (as the roster is, below), not counted against the event.
    const envelope = await untilAvailable(() =>
      this.deps.requests.request<MailEnvelope>(IdentitySubjects.mailEnvelope, { correlationId: event.metadata.correlationId, data: request }),
    );
    // A mail carrying a link bound to an address goes to that address only; '' means it was erased.
    const to = envelope.to ?? contact.email;
    if (!to) {
      await this.inbox.handleOnce(event.id, async () => []);
      return;
    }
    const rendered = render(request.kind, { firstName: contact.firstName, businessName: envelope.businessName, link: envelope.link });
    try {
      await this.inbox.handleOnce(event.id, async () => [
        ...(await this.deps.sender.deliver({ id: request.mailId, kind: request.kind, to, from: this.deps.mailFrom, ...rendered })),
        ...extraWrites,
      ]);
    } catch (error) {
      if (!(error instanceof PermanentMailError)) throw error;
      await this.deps.bus.deadLetters.record({
        id: `${MAIL_CONSUMER}.${event.id}`,
        durableName: MAIL_CONSUMER,
        event: { ...event, data: { ...event.data } },
        error: `${error.name}: ${error.message}`,
        deliveries: 1,
        deadAt: new Date().toISOString(),
      });
      // Not marked as handled: `ops dead-letters retry` hands the event back once the address or
      // the template is fixed, and it must then be sent. (A duplicate delivery meanwhile only
      // fails again into the same dead letter.)
      this.deps.logger.warn(`mail ${request.mailId} (${request.kind}) failed for good and went to the dead letters`, 'notifications');
    }
  }

  private async contact(clientId: string, correlationId?: string): Promise<ClientContactView | null> {
    try {
      return await untilAvailable(() => this.deps.requests.request<ClientContactView>(ClientsSubjects.getContact, { correlationId, data: { clientId } }));
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) return null;
      throw error;
    }
  }
}
