import type { Page } from '@clientele/platform/core';
import type { DocumentStore, Filter, Sort } from '@clientele/platform/document-store';
import type { SessionView } from '@clientele/scheduling/contracts';
import { SESSIONS, SessionDoc, toSessionView } from './documents';

export type When = 'upcoming' | 'past';

/**
 * Upcoming: scheduled and not started yet, soonest first. Past: everything else (held, no-shows,
 * cancelled, and scheduled sessions whose start has passed without being completed), latest first.
 */
export function whenFilter(when: When | undefined, now: string): { filter: Filter; sort: Sort } {
  if (when === 'upcoming') return { filter: { status: 'scheduled', start: { $gte: now } }, sort: [['start', 1], ['id', 1]] };
  if (when === 'past') return { filter: { $or: [{ status: { $ne: 'scheduled' } }, { start: { $lt: now } }] }, sort: [['start', -1], ['id', 1]] };
  return { filter: {}, sort: [['start', 1], ['id', 1]] };
}

/** One page of the sessions matching the filter, with how many match in all. */
export async function sessionPage(documents: DocumentStore, filter: Filter, sort: Sort, page: number, pageSize: number): Promise<Page<SessionView>> {
  const sessions = documents.collection<SessionDoc>(SESSIONS);
  const { items, total } = await sessions.findPage(filter, { sort, skip: (page - 1) * pageSize, limit: pageSize });
  return { items: items.map(toSessionView), page, pageSize, total };
}
