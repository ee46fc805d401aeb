import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, loadSession, saveSession, whenUnauthorized, type Session } from './api';
import { useRouter } from './router';

interface SessionState {
  session: Session | null;
  /**
   * Why a client's session ended under them (their coach switched them to offline, they signed out
   * elsewhere, they changed their password): the API's sentence, shown on the client sign-in page.
   */
  ended: string | null;
  signIn(email: string, password: string): Promise<Session>;
  adopt(session: Session): void;
  signOut(): void;
}

const SessionContext = createContext<SessionState | null>(null);

/** Where a client signs in: the page the mails link to (login details, access restored). */
export const CLIENT_SIGN_IN = '/login';

/**
 * Why the session ended is kept for the tab (sessionStorage), not only in memory: the client who
 * reloads the sign-in page, or whose reload raced the request that found the session ended, still
 * reads why they were signed out.
 */
const ENDED_KEY = 'clientele.session-ended';

function loadEnded(): string | null {
  try {
    return sessionStorage.getItem(ENDED_KEY);
  } catch {
    return null;
  }
}

function saveEnded(reason: string | null): void {
  try {
    if (reason === null) sessionStorage.removeItem(ENDED_KEY);
    else sessionStorage.setItem(ENDED_KEY, reason);
  } catch {
    // Storage refused (private mode): the reason stays in memory only.
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { navigate } = useRouter();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [ended, setEndedState] = useState<string | null>(() => loadEnded());
  const setEnded = (reason: string | null) => {
    saveEnded(reason);
    setEndedState(reason);
  };
  const adopt = (next: Session | null) => {
    saveSession(next);
    setSession(next);
    if (next) setEnded(null);
  };
  useEffect(
    () =>
      whenUnauthorized(({ session: over, detail }) => {
        adopt(null);
        // A client never lands on the coach's page (which offers to create a business account):
        // theirs says why they were signed out.
        if (over.user.role === 'client') {
          setEnded(detail);
          navigate(CLIENT_SIGN_IN, { replace: true });
        }
      }),
    [],
  );
  const signIn = async (email: string, password: string) => {
    const answer = await api<Session>('/api/v1/auth/login', { method: 'POST', body: { email, password } });
    adopt(answer);
    return answer;
  };
  // The server ends the token (and every other one of this person's) so a copied token is worth nothing afterwards.
  const signOut = () => {
    const role = session?.user.role;
    void api('/api/v1/auth/logout', { method: 'POST' })
      .catch(() => undefined)
      .finally(() => {
        adopt(null);
        setEnded(null);
        // A client signs in again on their own page; staff stay where they were (the coach sign-in shows there).
        if (role === 'client') navigate(CLIENT_SIGN_IN, { replace: true });
      });
  };
  return <SessionContext.Provider value={{ session, ended, signIn, adopt, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside <SessionProvider>');
  return state;
}
