import type { ServiceName } from '@clientele/platform/config';
import { checkFlags, type OpsCommand } from '../ops-command';
import type { OpsContext } from '../ops-context';
import { selectProjectionSets } from '../projection-replay/projection-sets';
import { verifyProjection } from './verify';

export const verifyCommand: OpsCommand = {
  name: 'verify',
  usage: ['verify [--projection NAME] [--json]   replay into a scratch store and compare with the live read models (exit 1 on any difference)'],
  async run(context: OpsContext, args: readonly string[]): Promise<number> {
    checkFlags(args, ['--json'], ['--projection']);
    const results = [];
    for (const set of selectProjectionSets(args)) {
      const result = await verifyProjection(
        await context.eventStore(set.service as ServiceName),
        await context.documentStore(set.service as ServiceName),
        await context.keyStore(set.service as ServiceName),
        set,
      );
      results.push(result);
      if (args.includes('--json')) continue;
      context.output.out(
        `${set.name}: ${result.documents} documents replayed to position ${result.position ?? 0}, ` +
          (result.differences.length === 0 ? 'identical to the live read model\n' : `${result.differences.length} differ\n`),
      );
      for (const d of result.differences) {
        const what =
          d.kind === 'changed'
            ? `changed   live ${d.liveHash}  replay ${d.replayHash}  fields: ${d.fields!.join(', ')}`
            : d.kind === 'missing'
              ? 'missing from the live read model'
              : 'in the live read model, but no event produces it';
        context.output.out(`  ${d.collection}/${d.id}  ${what}\n`);
      }
      if (result.lagging.length > 0) {
        context.output.out(`  note: ${result.lagging.join(', ')} had not caught up with the events yet (is the service running?); differences may only be lag\n`);
      }
    }
    if (args.includes('--json')) context.output.out(`${JSON.stringify(results, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    return results.some((r) => r.differences.length > 0) ? 1 : 0;
  },
};
