import { useSession } from './session';

/**
 * What the signed-in staff member may do, from their session (owner: permissions helper).
 * `admin` asks for the admin role; the others are the API's capabilities (docs/api.md).
 */
export type Capability = 'admin' | 'create_clients' | 'delete_clients' | 'manage_products' | 'import_clients';

export function useCan(capability: Capability): boolean {
  const { session } = useSession();
  if (!session || session.user.role === 'client') return false;
  if (session.user.role === 'admin') return true;
  if (capability === 'admin') return false;
  const granted = (session.user as { capabilities?: string[] }).capabilities;
  return granted ? granted.includes(capability) : capability === 'create_clients';
}
