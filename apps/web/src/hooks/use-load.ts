import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface Loaded<T> {
  /** The last answer; null until the first one. A reload keeps it on screen until the next arrives. */
  data: T | null;
  /** Why the last load (or an action on the view, see useAction) failed; a load that succeeds clears it. */
  error: unknown;
  setError: (error: unknown) => void;
  /** Loads again; never throws (a failure lands in `error`). */
  reload: () => Promise<void>;
}

/**
 * What a view shows from the API: loaded when one of `deps` changes, and again on `reload`. Only
 * the latest load counts: an answer that arrives after a newer load began is dropped, so a quick
 * change of filter never shows the older list.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const call = ++latest.current;
    try {
      const answer = await load();
      if (call !== latest.current) return;
      setData(answer);
      setError(null);
    } catch (caught) {
      if (call === latest.current) setError(caught);
    }
    // `load` is a new closure each render: `deps` say when what it loads changes.
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, setError, reload };
}
