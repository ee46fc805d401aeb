import { render } from './templates';

/** Names come from people (a coach's business name, a client's first name): none may add a header line or turn the text around (issue 17). */
describe('mail templates', () => {
  const link = 'https://app.example/accept-invitation?token=abc';

  it('renders the subject as one line without control characters or bidi overrides, whatever the names hold', () => {
    for (const kind of ['invitation', 'login_details', 'password_reset', 'new_message', 'access_restored'] as const) {
      const rendered = render(kind, { firstName: 'Ada\r\nBcc: x@evil.example', businessName: 'Stone\u202Eytiness\nSubject: pay now\u2066\u0000', link });
      expect(rendered.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(rendered.text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202a-\u202e\u2066-\u2069]/);
      expect(rendered.text).not.toMatch(/^(Bcc|Subject):/m);
      expect(rendered.subject).toContain('Stone ytiness Subject: pay now');
    }
  });

  it('leaves ordinary names as they are', () => {
    expect(render('invitation', { firstName: 'Zoë', businessName: 'Stone Fitness', link }).subject).toBe('Stone Fitness invited you to the client app');
  });
});
