import { defineErrors } from '@clientele/platform/core';

/** The seat-limit refusal, worded for the limit: "All 3 ... are taken" reads wrong for 1 or 0 seats. */
function seatLimitSentence(seatLimit: number): string {
  const raise = 'raise the seat limit in Settings (an administrator can).';
  if (seatLimit === 0) return `This account has no client seats: ${raise}`;
  if (seatLimit === 1) return `The one client seat of this account is taken: remove that client, or ${raise}`;
  return `All ${seatLimit} client seats of this account are taken: remove a client, or ${raise}`;
}

/** The errors the clients service answers with, beside the common ones (not found, validation, concurrency). */
export const ClientsErrors = defineErrors({
  seatLimitReached: {
    code: 'seat_limit_reached',
    kind: 'conflict',
    sentence: seatLimitSentence,
  },
  emailTaken: {
    code: 'email_taken',
    kind: 'conflict',
    sentence: 'Another client of this account already uses this e-mail address.',
    errors: [{ field: 'email', message: 'is already used by another client' }],
  },
  /**
   * A new address for a client who signs in, or may (any type but offline), that already signs in
   * to another login in Clientele: it could never become theirs, so it is refused at the edit.
   */
  emailSignsInElsewhere: {
    code: 'email_taken',
    kind: 'conflict',
    sentence: (email: string) => `${email} already signs in to Clientele with another account, so it cannot become this client's sign-in. Use another e-mail address.`,
    errors: [{ field: 'email', message: 'is already used to sign in to Clientele' }],
  },
  /** An offline client added with an invitation. */
  offlineNoInvitation: {
    code: 'offline_no_login',
    kind: 'conflict',
    sentence: 'Offline clients cannot sign in to the app, so no login details can be sent; choose a full-access type or add without e-mail.',
    errors: [{ field: 'sendInvitation', message: 'must be false or absent for an offline client' }],
  },
  /** Login details or a password reset for an offline client. */
  offlineNoLogin: { code: 'offline_no_login', kind: 'conflict', sentence: 'Offline clients cannot sign in to the app; change the client type first.' },
});
