import { createHash } from 'node:crypto';

export const clientStream = (clientId: string) => `client-${clientId}`;
export const rosterStream = (accountId: string) => `roster-${accountId}`;

/** Client e-mails are unique per account, case-insensitively; the roster keeps only this key. */
export function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
