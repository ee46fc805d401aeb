import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentityEvents, IdentitySubjects } from '@clientele/identity/contracts';
import { EmbeddedEventBus, RequestClient } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { JsonLogger } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { DevMailbox } from '../../mail/dev-mailbox';
import { MailSender, PermanentMailError } from '../../mail/mail.port';
import { MAIL_CONSUMER, SendClientMail } from '../../send-client-mail';
import { render } from '../../templates/templates';
import { mailClientWhenMailRequested } from './mail-client-when-mail-requested';

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
      data: { mailId: randomUUID(), kind: 'access_restored' as const, clientId: 'c1', accountId: 'a1' },
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

describe('a mail that failed for good', () => {
  it('goes to the dead letters, and is sent when the dead letter is retried', async () => {
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const bus = new EmbeddedEventBus({ filename: ':memory:' });
    const requests: RequestClient = {
      async request<T>(subject: string): Promise<T> {
        if (subject === ClientsSubjects.getContact) return { email: 'ada@example.com', firstName: 'Ada' } as T;
        if (subject === IdentitySubjects.mailEnvelope) return { businessName: 'Stone Fitness', link: 'https://app.example/login' } as T;
        throw new Error(subject);
      },
    };
    const mailbox = new DevMailbox(documents);
    // The provider refuses the first attempt for good (a rejected address, say), then the operator fixes it.
    let refuse = true;
    const sender: MailSender = {
      deliver: (mail) => {
        if (refuse) throw new PermanentMailError('the provider refused the address');
        return mailbox.deliver(mail);
      },
    };
    const mails = new SendClientMail({ documents, bus, requests, sender, devMailbox: mailbox, mailFrom: 'x@y.z', logger: new JsonLogger('error', { write: () => undefined }) });
    const handled: string[] = [];
    const reaction = mailClientWhenMailRequested(mails);
    await bus.consume({ durableName: MAIL_CONSUMER, sourceService: 'identity' }, async (event, context) => {
      handled.push(event.id);
      await reaction.handle(event, context);
    });
    const event = {
      id: randomUUID(),
      subject: IdentityEvents.mailRequested,
      occurredAt: new Date().toISOString(),
      data: { mailId: randomUUID(), kind: 'invitation', clientId: 'c1', accountId: 'a1' },
      metadata: {},
    };
    await bus.publish(event);
    await waitUntil(async () => (await bus.deadLetters.list(MAIL_CONSUMER)).length === 1);
    expect(await mailbox.list('ada@example.com')).toHaveLength(0);

    refuse = false;
    expect(await bus.deadLetters.retry(`${MAIL_CONSUMER}.${event.id}`)).toBe(true);
    await waitUntil(async () => (await mailbox.list('ada@example.com')).length === 1);
    expect(handled.filter((id) => id === event.id)).toHaveLength(2);
    await bus.close();
    await documents.close();
  });
});

async function waitUntil(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
