import { PROJECTION_SETS } from '@clientele/host';
import type { ProjectionSet } from '@clientele/platform/application';
import { UsageError } from '../ops-context';

/** `--projection NAME` or `--all`: the projection sets a rebuild or verify works on. */
export function selectProjectionSets(args: readonly string[], sets: readonly ProjectionSet[] = PROJECTION_SETS): ProjectionSet[] {
  const at = args.indexOf('--projection');
  if (at >= 0) {
    const name = args[at + 1];
    const set = sets.find((s) => s.name === name);
    if (!set) throw new UsageError(`There is no projection "${name ?? ''}". Projections: ${sets.map((s) => s.name).join(', ')}.`);
    return [set];
  }
  return [...sets];
}
