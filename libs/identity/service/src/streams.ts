import { createHash } from 'node:crypto';
import { normalizeEmail } from '@clientele/identity/domain';

export const accountStream = (accountId: string) => `account-${accountId}`;
export const staffStream = (userId: string) => `staff-${userId}`;
/** Hashed so the stream name carries no personal data. */
export const loginEmailStream = (email: string) => `loginemail-${createHash('sha256').update(normalizeEmail(email)).digest('hex')}`;
