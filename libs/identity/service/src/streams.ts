import { createHash } from 'node:crypto';
import { normalizeEmail } from '@clientele/identity/domain';

export const accountStream = (accountId: string) => `account-${accountId}`;
export const staffStream = (userId: string) => `staff-${userId}`;
/**
 * The key of an address in the sign-in registry and index: a hash of the normalised address, so
 * that neither a stream name nor a read-model id (nor the tombstone a deletion leaves) holds the
 * address itself.
 */
export const loginKeyOf = (email: string) => createHash('sha256').update(normalizeEmail(email)).digest('hex');
export const loginEmailStream = (email: string) => `loginemail-${loginKeyOf(email)}`;
