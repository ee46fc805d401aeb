import { IdentityEvents, IdentitySubjects } from '@clientele/identity/contracts';
import { EmbeddedEventBus, RequestClient } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { JsonLogger } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { DevMailbox } from '../../mail/dev-mailbox';
import { SendStaffMail } from '../../send-staff-mail';

describe('staff mail into the dev mailbox (issue 21: staff password resets)', () => {
  const setUp = (to: string) => {
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const bus = new EmbeddedEventBus({ filename: ':memory:' });
    const requests: RequestClient = {
      async request<T>(subject: string): Promise<T> {
        if (subject === IdentitySubjects.staffMailEnvelope) return { businessName: 'Stone Fitness', firstName: 'Cora', to, link: 'https://app.example/reset-password?token=staff.u2.t1.mac' } as T;
        throw new Error(subject);
      },
    };
    const mailbox = new DevMailbox(documents);
    const mails = new SendStaffMail({ documents, bus, requests, sender: mailbox, devMailbox: mailbox, mailFrom: 'x@y.z', logger: new JsonLogger('error', { write: () => undefined }) });
    const event = {
      id: randomUUID(),
      subject: IdentityEvents.staffMailRequested,
      occurredAt: new Date().toISOString(),
      data: { mailId: randomUUID(), kind: 'password_reset' as const, userId: 'u2', accountId: 'a1', tokenId: 't1' },
      metadata: {},
    };
    return { documents, bus, mailbox, mails, event };
  };

  it('keeps exactly one reset mail per event, to the member, with the link, however often it is delivered', async () => {
    const { documents, bus, mailbox, mails, event } = setUp('Cora@Stone.example');
    await Promise.all([mails.handle(event), mails.handle(event)]);
    await mails.handle(event);
    const items = await mailbox.list('cora@stone.example');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'password_reset', to: 'Cora@Stone.example', subject: 'Reset your password for Stone Fitness' });
    expect(items[0].text).toContain('Hi Cora,');
    expect(items[0].text).toContain('https://app.example/reset-password?token=staff.u2.t1.mac');
    await documents.close();
    await bus.close();
  });

  it('sends nothing for a member removed since (no address)', async () => {
    const { documents, bus, mailbox, mails, event } = setUp('');
    await mails.handle(event);
    expect(await mailbox.list('')).toEqual([]);
    await documents.close();
    await bus.close();
  });
});
