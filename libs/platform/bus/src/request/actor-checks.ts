import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { RequestActor } from './envelope';

/** Services check the actor again behind the gateway: a request without the right one does nothing. */
export function requireStaff(actor: RequestActor | undefined): RequestActor {
  if (!actor) throw new AppError(ErrorCodes.unauthorized, 'Sign in first.');
  if (actor.role !== 'admin' && actor.role !== 'coach') throw new AppError(ErrorCodes.forbidden, 'Only staff of the business can do this.');
  return actor;
}

export function requireAdmin(actor: RequestActor | undefined): RequestActor {
  const staff = requireStaff(actor);
  if (staff.role !== 'admin') throw new AppError(ErrorCodes.forbidden, 'Only an administrator of the business can do this.');
  return staff;
}

/** Who may, and what they do by default, per capability (docs/api.md): the words of a refusal. */
const CAPABILITY_WORDS: Record<string, { who: string; doing: string }> = {
  create_clients: { who: 'create clients', doing: 'add one' },
  delete_clients: { who: 'delete clients', doing: 'delete one' },
  manage_products: { who: 'manage products', doing: 'create one' },
  import_clients: { who: 'import clients', doing: 'import a file' },
};

/**
 * The sentence a staff member reads when they lack a capability: who can do it, and whom to ask.
 * `doing` names what they tried when the capability's default does not ("change one").
 */
export function missingCapabilitySentence(capability: string, doing?: string): string {
  const words = CAPABILITY_WORDS[capability] ?? { who: capability.replace(/_/g, ' '), doing: 'do this' };
  return `Only staff who can ${words.who} can ${doing ?? words.doing}; ask an administrator.`;
}

/** Admins have every capability; coaches have those the token lists. */
export function requireCapability(actor: RequestActor, capability: string, doing?: string): void {
  if (actor.role === 'admin') return;
  if (!actor.capabilities.includes(capability)) {
    throw new AppError(ErrorCodes.forbidden, missingCapabilitySentence(capability, doing));
  }
}
