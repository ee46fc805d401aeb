import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentityEvents, IdentitySubjects } from '@clientele/identity/contracts';
import { EmbeddedEventBus, RequestClient } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { JsonLogger } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { mailClientWhenMailRequested } from '../reactions/mail-client-when-mail-requested/mail-client-when-mail-requested';
import { MAIL_CONSUMER, SendClientMail } from '../send-client-mail';
import { PermanentMailError, TransientMailError } from './mail.port';
import { SendGridSender } from './sendgrid-sender';

/**
 * The SendGrid adapter against a local stand-in for the v3 mail/send endpoint: the exact request,
 * and what each kind of answer turns into (a retry, or a dead letter), through the real consumer.
 */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
let answers: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body: raw ? JSON.parse(raw) : null });
      const status = answers.shift() ?? 202;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status >= 400 ? JSON.stringify({ errors: [{ message: status === 400 ? 'The to email does not contain a valid address.' : 'busy' }] }) : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
  answers = [];
});

const mail = (to = 'ada@example.com') => ({
  id: randomUUID(),
  kind: 'invitation',
  to,
  from: 'no-reply@stonefitness.example',
  subject: 'Stone Fitness invited you to the client app',
  text: 'Hi Ada,\nSet your password: https://app.example/accept-invitation?token=abc',
  html: '<p>Hi Ada,</p>',
});

describe('SendGridSender', () => {
  it('posts the mail to /v3/mail/send with the API key, sender, recipient, subject and both contents', async () => {
    const sender = new SendGridSender({ apiKey: 'SG.test-key', baseUrl });
    const sent = mail();
    await expect(sender.deliver(sent)).resolves.toEqual([]);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v3/mail/send');
    expect(request.headers.authorization).toBe('Bearer SG.test-key');
    expect(request.body).toMatchObject({
      from: { email: 'no-reply@stonefitness.example' },
      subject: sent.subject,
      personalizations: [{ to: [{ email: 'ada@example.com' }] }],
      content: [
        { type: 'text/plain', value: sent.text },
        { type: 'text/html', value: sent.html },
      ],
      custom_args: { mailId: sent.id, kind: 'invitation' },
    });
  });

  it('treats 429 and 5xx as transient and other 4xx as permanent, with the reason', async () => {
    const sender = new SendGridSender({ apiKey: 'SG.test-key', baseUrl });
    answers = [429];
    await expect(sender.deliver(mail())).rejects.toBeInstanceOf(TransientMailError);
    answers = [500];
    await expect(sender.deliver(mail())).rejects.toBeInstanceOf(TransientMailError);
    answers = [400];
    const refused = sender.deliver(mail());
    await expect(refused).rejects.toBeInstanceOf(PermanentMailError);
    await expect(refused).rejects.toThrow('does not contain a valid address');
  });

  it('sends the subject as one line: a CR/LF or a bidi override in it never reaches the header (issue 17)', async () => {
    const sender = new SendGridSender({ apiKey: 'SG.test-key', baseUrl });
    await sender.deliver({ ...mail(), subject: 'Stone Fitness\r\nBcc: victim@example.com\u202e invited you' });
    expect(received[0].body.subject).toBe('Stone Fitness Bcc: victim@example.com invited you');
  });
});

describe('sending client mail through SendGrid (real embedded bus and document store)', () => {
  const quiet = new JsonLogger('error', { write: () => undefined });
  const requests: RequestClient = {
    async request<T>(subject: string, payload: unknown): Promise<T> {
      const { data } = payload as { data: { clientId: string } };
      if (subject === ClientsSubjects.getContact) return { clientId: data.clientId, email: `${data.clientId}@example.com`, firstName: 'Ada' } as T;
      if (subject === IdentitySubjects.mailEnvelope) return { businessName: 'Stone Fitness', link: 'https://app.example/login' } as T;
      throw new Error(`unexpected request ${subject}`);
    },
  };

  async function run(statuses: number[], events: number) {
    const bus = new EmbeddedEventBus({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    answers = statuses;
    const mails = new SendClientMail({
      documents,
      bus,
      requests,
      sender: new SendGridSender({ apiKey: 'SG.test-key', baseUrl }),
      devMailbox: null,
      mailFrom: 'no-reply@clientele.local',
      logger: quiet,
    });
    const consumer = await bus.consume(
      { durableName: MAIL_CONSUMER, sourceService: 'identity', maxDeliveries: 4, retryDelaysMs: [20, 40, 80] },
      mailClientWhenMailRequested(mails).handle,
    );
    const published = Array.from({ length: events }, (_, i) => ({
      id: randomUUID(),
      subject: IdentityEvents.mailRequested,
      occurredAt: new Date().toISOString(),
      data: { mailId: randomUUID(), kind: 'login_details' as const, clientId: `client${i}`, accountId: 'a1' },
      metadata: {},
    }));
    for (const event of published) await bus.publish(event);
    return { bus, documents, consumer, published };
  }

  async function settle(check: () => boolean, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  it('retries a mail refused with 429 and 500 until it is taken, and sends it once; a redelivery sends nothing', async () => {
    const { bus, documents, consumer, published } = await run([429, 500, 202], 1);
    await settle(() => received.length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(3);
    await consumer.stop();
    // A second delivery of the same event (a new consumer reading the stream again) sends nothing more.
    const mails = new SendClientMail({ documents, bus, requests, sender: new SendGridSender({ apiKey: 'SG.k', baseUrl }), devMailbox: null, mailFrom: 'x@y.z', logger: quiet });
    await mails.handle(published[0]);
    expect(received).toHaveLength(3);
    await bus.close();
    await documents.close();
  });

  it('records a mail refused with 400 as a dead letter with the reason, and goes on with the next', async () => {
    const { bus, documents, consumer, published } = await run([400, 202], 2);
    await settle(() => received.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(2);
    const letters = await bus.deadLetters.list(MAIL_CONSUMER);
    expect(letters).toEqual([
      expect.objectContaining({ event: expect.objectContaining({ id: published[0].id }), error: expect.stringContaining('does not contain a valid address') }),
    ]);
    await consumer.stop();
    await bus.close();
    await documents.close();
  });
});
