import { defineErrors } from '@clientele/platform/core';

/** Notifications answers with the common errors only (no dev mailbox here: not found). */
export const NotificationsErrors = defineErrors({});
