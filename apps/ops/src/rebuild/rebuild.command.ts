import type { ServiceName } from '@clientele/platform/config';
import { checkFlags, type OpsCommand } from '../ops-command';
import { UsageError, type OpsContext } from '../ops-context';
import { selectProjectionSets } from '../projection-replay/projection-sets';
import { progressBar } from './progress-bar';
import { rebuildProjection } from './rebuild';

export const rebuildCommand: OpsCommand = {
  name: 'rebuild',
  usage: ['rebuild --projection NAME|--all [--restart]   rebuild read models from the events, online (shadow, then swap); resumes an interrupted one'],
  async run(context: OpsContext, args: readonly string[]): Promise<number> {
    checkFlags(args, ['--all', '--restart'], ['--projection']);
    if (!args.includes('--all') && !args.includes('--projection')) throw new UsageError('Say which projection to rebuild (--projection NAME), or --all.');
    const sets = selectProjectionSets(args);
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      context.output.err('\nStopping after the current batch; run the same command again to resume.\n');
    };
    process.once('SIGINT', onSignal);
    try {
      for (const set of sets) {
        const events = await context.eventStore(set.service as ServiceName);
        const documents = await context.documentStore(set.service as ServiceName);
        const result = await rebuildProjection(events, documents, await context.keyStore(set.service as ServiceName), set, {
          restart: args.includes('--restart'),
          onProgress: progressBar(context.output),
          shouldStop: () => interrupted,
        });
        const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
        context.output.err('\n');
        context.output.out(
          result.outcome === 'swapped'
            ? `${set.name}: rebuilt from ${result.resumedFrom === null ? 'the first event' : `position ${result.resumedFrom} (resumed)`}, ${result.events} events in ${result.seconds.toFixed(1)} s (${rate} events/s), now live at position ${result.position ?? 0}\n`
            : `${set.name}: interrupted at position ${result.position ?? 0} after ${result.events} events; run the same command again to resume\n`,
        );
        if (result.outcome === 'interrupted') return 1;
      }
      return 0;
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};
