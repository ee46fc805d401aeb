import type { MailKind } from '@clientele/identity/contracts';
import { oneLine } from '@clientele/platform/core';

export interface MailContext {
  firstName: string;
  businessName: string;
  link: string;
}

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

/** One template per kind. Plain words, the business's name, the link; never a password. */
const TEMPLATES: Record<MailKind, (c: MailContext) => { subject: string; lines: string[]; action: string }> = {
  invitation: (c) => ({
    subject: `${c.businessName} invited you to the client app`,
    lines: [`Hi ${c.firstName},`, `${c.businessName} invited you to the client app. Set your password to sign in; the link works once and for 7 days.`],
    action: 'Set your password',
  }),
  login_details: (c) => ({
    subject: `Your sign-in link for ${c.businessName}`,
    lines: [`Hi ${c.firstName},`, `Here is the link to sign in to ${c.businessName}'s client app with your e-mail address and password.`],
    action: 'Sign in',
  }),
  password_reset: (c) => ({
    subject: `Reset your password for ${c.businessName}`,
    lines: [`Hi ${c.firstName},`, 'Someone asked to reset your password. If it was you, choose a new one; the link works once and for 1 hour. If not, ignore this mail.'],
    action: 'Choose a new password',
  }),
  new_message: (c) => ({
    subject: `New message from your coach at ${c.businessName}`,
    lines: [`Hi ${c.firstName},`, `Your coach at ${c.businessName} sent you a message. Open the client app to read it.`],
    action: 'Read the message',
  }),
  access_restored: (c) => ({
    subject: `Your access to ${c.businessName} is back`,
    lines: [`Hi ${c.firstName},`, `${c.businessName} restored your access to the client app. Sign in with your e-mail address and password.`],
    action: 'Sign in',
  }),
  email_change_confirmation: (c) => ({
    subject: `Confirm your new e-mail address for ${c.businessName}`,
    lines: [
      `Hi ${c.firstName},`,
      `${c.businessName} changed your e-mail address to this one. Confirm it to sign in to the client app with it from now on; the link works once and for 7 days. Until then, you sign in with your previous address. If you did not expect this, ignore this mail.`,
    ],
    action: 'Confirm this address',
  }),
  email_change_notice: (c) => ({
    subject: `Your e-mail address for ${c.businessName} is being changed`,
    lines: [
      `Hi ${c.firstName},`,
      `${c.businessName} asked to change the e-mail address you sign in with. A confirmation link went to the new address; you keep signing in with this one until it is used. If this is not what you want, contact ${c.businessName}.`,
    ],
    action: 'Sign in',
  }),
};

/** Every kind of mail there is a template for (the browser suite opens a link of each). */
export const MAIL_KINDS = Object.keys(TEMPLATES) as MailKind[];

export function render(kind: MailKind, given: MailContext): Rendered {
  // Names come from people: a CR/LF or a bidi override in one must not reach the subject (a header) or twist the text.
  const context = { ...given, firstName: oneLine(given.firstName), businessName: oneLine(given.businessName) };
  const template = TEMPLATES[kind](context);
  const text = [...template.lines, '', `${template.action}: ${context.link}`, '', `— ${context.businessName}, via Clientele`].join('\n');
  const html = [
    ...template.lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(context.link)}">${escapeHtml(template.action)}</a></p>`,
    `<p>— ${escapeHtml(context.businessName)}, via Clientele</p>`,
  ].join('\n');
  return { subject: oneLine(template.subject), text, html };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
