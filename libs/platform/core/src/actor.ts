/** Who did something. Always taken from the verified token, never from a request body. */
export type ActorRole = 'admin' | 'coach' | 'client' | 'system';

export interface Actor {
  id: string;
  role: ActorRole;
  accountId?: string;
}

export const systemActor = (id = 'system'): Actor => ({ id, role: 'system' });
