import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, loadSession, saveSession, whenUnauthorized, type Session } from './api';

interface SessionState {
  session: Session | null;
  signIn(email: string, password: string): Promise<Session>;
  adopt(session: Session): void;
  signOut(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const adopt = (next: Session | null) => {
    saveSession(next);
    setSession(next);
  };
  useEffect(() => whenUnauthorized(() => adopt(null)), []);
  const signIn = async (email: string, password: string) => {
    const answer = await api<Session>('/api/v1/auth/login', { method: 'POST', body: { email, password } });
    adopt(answer);
    return answer;
  };
  // The server ends the token (and every other one of this person's) so a copied token is worth nothing afterwards.
  const signOut = () => {
    void api('/api/v1/auth/logout', { method: 'POST' })
      .catch(() => undefined)
      .finally(() => adopt(null));
  };
  return <SessionContext.Provider value={{ session, signIn, adopt, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside <SessionProvider>');
  return state;
}
