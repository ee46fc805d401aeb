import { defineErrors } from '@clientele/platform/core';

/** The errors messaging answers with, beside the common ones (not found, validation, forbidden). */
export const MessagingErrors = defineErrors({
  /** The client's type does not let this side write: coach to an offline client, client on one-way messaging. */
  messagingNotAllowed: {
    code: 'messaging_not_allowed',
    kind: 'forbidden',
    sentence: (from: 'coach' | 'client') =>
      from === 'coach'
        ? 'Offline clients cannot receive messages; change the client type to a full-access one first.'
        : 'Your coach has set up one-way messaging: you can read messages but not reply.',
  },
});
