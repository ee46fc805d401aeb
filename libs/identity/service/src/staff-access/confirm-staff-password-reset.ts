import type { LoginResult } from '@clientele/identity/contracts';
import { staffMemberDecider } from '@clientele/identity/domain';
import { commandMetadata, handleAndWait, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { IdentityDeps, IdentityProcessors } from '../identity.deps';
import { hashPassword } from '../passwords';
import { LOGINS, LoginDoc, STAFF, StaffDoc } from '../read-models/identity-views.projection';
import { signIn, staffEpoch } from '../sign-in';
import { loginKeyOf, staffStream } from '../streams';
import { StaffResetLinks } from './staff-reset-links';

/** Whether a reset token is a staff member's (the reset page posts both kinds to the same route). */
export const isStaffResetToken = (token: unknown): boolean => typeof token === 'string' && token.startsWith('staff.');

/**
 * A staff member sets a new password from their reset link, and is signed in. The link works once,
 * for an hour, and only for the member it was issued for; every token issued before stops working.
 */
export async function confirmStaffPasswordReset(
  deps: IdentityDeps,
  processors: IdentityProcessors,
  envelope: RequestEnvelope<{ token: string; password: string }>,
): Promise<LoginResult> {
  const invalid = () =>
    new AppError(ErrorCodes.validationFailed, 'This reset link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
      { field: 'token', message: 'is not valid' },
    ]);
  const parsed = new StaffResetLinks(deps.jwtSecret).parse(envelope.data.token);
  if (!parsed) throw invalid();
  const staff = await deps.documents.collection<StaffDoc>(STAFF).get(parsed.userId);
  if (!staff) throw invalid();
  const result = await handleAndWait(
    handleCommand(
      deps.events,
      staffStream(parsed.userId),
      staffMemberDecider,
      { type: 'ResetStaffPassword', tokenId: parsed.tokenId, passwordHash: await hashPassword(envelope.data.password), metadata: { now: new Date().toISOString() } },
      { commandId: `staff-reset-used:${parsed.tokenId}`, metadata: commandMetadata(envelope, { id: staff.id, role: staff.role, accountId: staff.accountId }) },
    ),
    processors.views,
    processors.signIns,
  );
  if (result.alreadyHandled) throw invalid();
  // The member's own login, never "whoever has this address now".
  const login = await deps.documents.collection<LoginDoc>(LOGINS).get(loginKeyOf(staff.email));
  const epoch = await staffEpoch(deps.documents, staff.id);
  if (!login || login.userId !== staff.id || epoch === null) throw invalid();
  return signIn(login, deps.jwtSecret, epoch);
}
