import { defineErrors } from '@clientele/platform/core';

/** The errors the clients service answers with, beside the common ones (not found, validation, concurrency). */
export const ClientsErrors = defineErrors({
  seatLimitReached: {
    code: 'seat_limit_reached',
    kind: 'conflict',
    sentence: (seatLimit: number) => `All ${seatLimit} client seats of this account are taken; remove a client or raise the seat limit first.`,
  },
  emailTaken: {
    code: 'email_taken',
    kind: 'conflict',
    sentence: 'Another client of this account already uses this e-mail address.',
    errors: [{ field: 'email', message: 'is already used by another client' }],
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
