import { MailOutcome, countedSender } from './counted-sender';
import { MailSender, OutgoingMail, PermanentMailError, TransientMailError } from './mail.port';

const mail = (kind: string): OutgoingMail => ({ id: kind, kind, to: 'kim@example.com', from: 'no-reply@clientele.local', subject: 's', text: 't', html: 'h' });

describe('countedSender: what became of each mail (clientele_mail_sent_total)', () => {
  it('tells sent, transient and permanent failures apart by kind, and passes the answer or the error through', async () => {
    const outcomes: Array<[string, MailOutcome]> = [];
    const failures: Record<string, Error> = { login_details: new TransientMailError('429 from the provider'), password_reset: new PermanentMailError('400 bad address'), access_restored: new Error('socket hang up') };
    const sender: MailSender = {
      async deliver(outgoing) {
        if (failures[outgoing.kind]) throw failures[outgoing.kind];
        return [{ op: 'upsert', collection: 'mails', doc: { id: outgoing.id }, version: 1 }];
      },
    };
    const counted = countedSender(sender, (kind, outcome) => outcomes.push([kind, outcome]));
    await expect(counted.deliver(mail('invitation'))).resolves.toEqual([{ op: 'upsert', collection: 'mails', doc: { id: 'invitation' }, version: 1 }]);
    await expect(counted.deliver(mail('login_details'))).rejects.toBe(failures.login_details);
    await expect(counted.deliver(mail('password_reset'))).rejects.toBe(failures.password_reset);
    await expect(counted.deliver(mail('access_restored'))).rejects.toBe(failures.access_restored);
    expect(outcomes).toEqual([
      ['invitation', 'sent'],
      ['login_details', 'transient_failure'],
      ['password_reset', 'permanent_failure'],
      ['access_restored', 'transient_failure'],
    ]);
  });

  it('is the sender itself when nobody listens', () => {
    const sender: MailSender = { deliver: async () => [] };
    expect(countedSender(sender, undefined)).toBe(sender);
  });
});
