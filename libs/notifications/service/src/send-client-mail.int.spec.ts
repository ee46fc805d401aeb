import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentityEvents, IdentitySubjects } from '@clientele/identity/contracts';
import { EmbeddedEventBus, RequestClient } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { JsonLogger } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { DevMailbox } from './mail/dev-mailbox';
import { SendClientMail } from './send-client-mail';
import { render } from './templates/templates';

describe('client mail into the dev mailbox (real SQLite document store)', () => {
  it('keeps exactly one mail per event, however often it is delivered', async () => {
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const bus = new EmbeddedEventBus({ filename: ':memory:' });
    const requests: RequestClient = {
      async request<T>(subject: string): Promise<T> {
        if (subject === ClientsSubjects.getContact) return { email: 'Ada@Example.com', firstName: 'Ada' } as T;
        if (subject === IdentitySubjects.mailEnvelope) return { businessName: 'Stone Fitness', link: 'https://app.example/login' } as T;
        throw new Error(subject);
      },
    };
    const mailbox = new DevMailbox(documents);
    const mails = new SendClientMail({ documents, bus, requests, sender: mailbox, devMailbox: mailbox, mailFrom: 'x@y.z', logger: new JsonLogger('error', { write: () => undefined }) });
    const event = {
      id: randomUUID(),
      subject: IdentityEvents.mailRequested,
      occurredAt: new Date().toISOString(),
      data: { mailId: randomUUID(), kind: 'access_restored', clientId: 'c1', accountId: 'a1' },
      metadata: {},
    };
    await Promise.all([mails.handle(event), mails.handle(event)]);
    await mails.handle(event);
    const items = await mailbox.list('ada@example.com');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'access_restored', to: 'Ada@Example.com', subject: 'Your access to Stone Fitness is back' });
    await documents.close();
    await bus.close();
  });
});

describe('mail templates', () => {
  it('name the business, carry the link, in text and HTML, with the HTML escaped', () => {
    for (const kind of ['invitation', 'login_details', 'password_reset', 'access_restored'] as const) {
      const mail = render(kind, { firstName: 'Ada <3', businessName: 'Fit & Co', link: 'https://app.example/x?token=a"b' });
      expect(mail.subject).toContain('Fit & Co');
      expect(mail.text).toContain('https://app.example/x?token=a"b');
      expect(mail.html).toContain('Fit &amp; Co');
      expect(mail.html).toContain('Ada &lt;3');
      expect(mail.html).toContain('href="https://app.example/x?token=a&quot;b"');
    }
  });
});
