import { defineErrors } from '@clientele/platform/core';

/** The errors identity answers with, beside the common ones (not found, validation, unauthorized). */
export const IdentityErrors = defineErrors({
  /** A wrong password, an unknown address, an offline or deleted client: all answer the same. */
  invalidCredentials: { code: 'invalid_credentials', kind: 'unauthorized', sentence: 'The e-mail address or the password is not right.' },
  /** The address already signs in to another login, in any account. */
  emailTaken: {
    code: 'email_taken',
    kind: 'conflict',
    sentence: (email: string) => `${email} is already used to sign in to Clientele; choose another e-mail address.`,
    errors: [{ field: 'email', message: 'is already taken' }],
  },
  ownerNotRemovable: { code: 'owner_not_removable', kind: 'conflict', sentence: 'The owner of the business cannot be removed.' },
  staffHasClients: {
    code: 'staff_has_clients',
    kind: 'conflict',
    sentence: (staff: { firstName: string; lastName: string }, clients: number) =>
      `${staff.firstName} ${staff.lastName} still coaches ${clients} client${clients === 1 ? '' : 's'}; assign them to another coach first.`,
  },
  /** The owner stays an administrator: so a business always has one. */
  ownerRoleFixed: { code: 'owner_role_fixed', kind: 'conflict', sentence: 'The owner of the business is always an administrator; their role cannot change.' },
  /** Nobody demotes themselves by mistake: another administrator has to do it. */
  ownRoleFixed: { code: 'own_role_fixed', kind: 'conflict', sentence: 'You cannot change your own role; ask another administrator to do it.' },
});
