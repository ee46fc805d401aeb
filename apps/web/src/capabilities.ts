import type { Session } from './api';
import { useSession } from './session';

/**
 * What the signed-in staff member may do, from their session (owner: permissions helper).
 * `admin` asks for the admin role; the others are the API's capabilities (docs/api.md).
 */
export type Capability = 'admin' | 'create_clients' | 'delete_clients' | 'manage_products' | 'import_clients';

/** What a member without the capability reads beside a control they cannot use, as the API would say it. */
export const WHY_NOT: Record<Capability, string> = {
  admin: 'Only an administrator of the business can do this.',
  create_clients: 'Only staff who can create clients can add one; ask an administrator.',
  delete_clients: 'Only staff who can delete clients can delete one; ask an administrator.',
  manage_products: 'Only staff who can manage products can create or change one; ask an administrator.',
  import_clients: 'Only staff who can import clients can import a file; ask an administrator.',
};

/**
 * The capabilities the session knows: the login answer's (`user.capabilities`), or, for a session
 * saved before the answer carried them, the access token's own claim (the very list the API checks).
 * Null when neither says: then only the role's default is assumed.
 */
export function grantedCapabilities(session: Session): string[] | null {
  const listed = (session.user as { capabilities?: unknown }).capabilities;
  if (Array.isArray(listed)) return listed.filter((c): c is string => typeof c === 'string');
  try {
    const payload = session.accessToken.split('.')[1];
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { caps?: unknown };
    if (Array.isArray(claims.caps)) return claims.caps.filter((c): c is string => typeof c === 'string');
  } catch {
    // Not a token we can read: fall back on the role.
  }
  return null;
}

export function can(session: Session | null, capability: Capability): boolean {
  if (!session || session.user.role === 'client') return false;
  if (session.user.role === 'admin') return true;
  if (capability === 'admin') return false;
  const granted = grantedCapabilities(session);
  // Coaches get create_clients by default (docs/api.md).
  return granted ? granted.includes(capability) : capability === 'create_clients';
}

export function useCan(capability: Capability): boolean {
  const { session } = useSession();
  return can(session, capability);
}
