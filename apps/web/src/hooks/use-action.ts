import { useState } from 'react';
import type { Loaded } from './use-load';

/**
 * Actions on the items of a loaded view (mark paid, cancel, refund): which item is busy, and the
 * sentence that says what was done. One error line per view: an action clears the view's error
 * when it starts and leaves its own there when it fails; once done, the view loads again.
 */
export function useAction(view: Pick<Loaded<unknown>, 'setError' | 'reload'>) {
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** Runs `action` for the item `key`; `action` answers with the notice to show. */
  const run = async (key: string, action: () => Promise<string>) => {
    setBusy(key);
    setNotice(null);
    view.setError(null);
    try {
      setNotice(await action());
      await view.reload();
    } catch (caught) {
      view.setError(caught);
    } finally {
      setBusy(null);
    }
  };
  return { busy, notice, setNotice, run };
}
