import { IdentityEvents, IdentitySubjects, type IdentityIntegrationEvents, type StaffMailEnvelope } from '@clientele/identity/contracts';
import { Inbox } from '@clientele/platform/application';
import { durableName, untilAvailable, type ConsumerOptions, type IntegrationEventOf } from '@clientele/platform/bus';
import { PermanentMailError } from './mail/mail.port';
import type { NotificationsDeps } from './notifications.deps';
import { render } from './templates/templates';

/** A consumer of its own beside `notifications--identity` (client mails): `notifications--identity--staff-mail`. */
export const STAFF_MAIL_CONSUMER = durableName('notifications', 'identity', 'staff-mail');

/**
 * One mail per `identity.staff.mail-requested.v1` (a staff password reset link), like the client
 * mails (send-client-mail.ts): the inbox makes a redelivered event send nothing more, and a
 * permanent failure goes to the dead letters. Identity knows staff members, so it answers the
 * address and the name with the link; a member removed since gets nothing.
 */
export class SendStaffMail {
  private readonly inbox: Inbox;
  readonly retries: Pick<ConsumerOptions, 'maxDeliveries' | 'retryDelaysMs'>;

  constructor(private readonly deps: NotificationsDeps) {
    this.inbox = new Inbox(deps.documents, STAFF_MAIL_CONSUMER);
    this.retries = { maxDeliveries: 6, retryDelaysMs: deps.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000] };
  }

  async handle(event: IntegrationEventOf<IdentityIntegrationEvents, typeof IdentityEvents.staffMailRequested>): Promise<void> {
    if (await this.inbox.seen(event.id)) return;
    const request = event.data;
    const envelope = await untilAvailable(() =>
      this.deps.requests.request<StaffMailEnvelope>(IdentitySubjects.staffMailEnvelope, { correlationId: event.metadata.correlationId, data: request }),
    );
    if (!envelope.to) {
      await this.inbox.handleOnce(event.id, async () => []);
      return;
    }
    const rendered = render(request.kind, { firstName: envelope.firstName, businessName: envelope.businessName, link: envelope.link });
    try {
      await this.inbox.handleOnce(event.id, async () => [...(await this.deps.sender.deliver({ id: request.mailId, kind: request.kind, to: envelope.to, from: this.deps.mailFrom, ...rendered }))]);
    } catch (error) {
      if (!(error instanceof PermanentMailError)) throw error;
      await this.deps.bus.deadLetters.record({
        id: `${STAFF_MAIL_CONSUMER}.${event.id}`,
        durableName: STAFF_MAIL_CONSUMER,
        event: { ...event, data: { ...event.data } },
        error: `${error.name}: ${error.message}`,
        deliveries: 1,
        deadAt: new Date().toISOString(),
      });
      this.deps.logger.warn(`staff mail ${request.mailId} (${request.kind}) failed for good and went to the dead letters`, 'notifications');
    }
  }
}
