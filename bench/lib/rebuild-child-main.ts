/**
 * The child's side of bench/lib/rebuild-halves.ts, for bench/servers/*rebuild-child.ts. It loads no
 * module (types only), so that the child's memory figures are those of its own stores and rebuild.
 */
import type { EventStore } from '@clientele/platform/event-store';

/** The page size of every read of the rebuild scenarios: the replay's. */
export const PAGE_SIZE = 2000;

/** Reads the whole history through the event store port, as the replay does (readAll in pages, the category filter): events/s. */
export async function portReadRate(store: Pick<EventStore, 'readAll'>, events: number): Promise<number> {
  const t = process.hrtime.bigint();
  let read = 0;
  let after: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: PAGE_SIZE, filter: { streamCategories: ['client'] } });
    if (batch.length === 0) break;
    read += batch.length;
    after = batch[batch.length - 1].position;
  }
  if (read !== events) throw new Error(`read ${read} events through the port, ${events} expected`);
  return read / (Number(process.hrtime.bigint() - t) / 1e9);
}
export interface RebuildHalves<F> {
  seed(target: string, events: number): Promise<void>;
  measure(target: string, events: number): Promise<F>;
}

/** The child's side: runs the half its arguments name, sends the parent what it answers, and exits (1, with the stack on stderr, if it fails). */
export function runRebuildChild<F>(halves: RebuildHalves<F>): void {
  const main = async () => {
    const [mode, target, count] = process.argv.slice(2);
    const events = Number(count);
    const send = (message: object) => new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
    if (mode === 'seed') {
      const t = process.hrtime.bigint();
      await halves.seed(target, events);
      await send({ seconds: Number(process.hrtime.bigint() - t) / 1e9 });
    } else if (mode === 'measure') {
      await send((await halves.measure(target, events)) as object);
    } else if (mode === 'both') {
      await halves.seed(target, events);
      await send((await halves.measure(target, events)) as object);
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
  };
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
