import type { BulkChangeTypeResult } from '@clientele/clients/contracts';

/** Ids the bulk type change takes in one call (POST /api/v1/clients/bulk/type, docs/api.md). */
export const BULK_MAX_IDS = 500;

/**
 * A bulk type change of any size ("Select all N matching" may hold thousands): the ids go in calls
 * of at most 500, one after the other, and the answers are added up into one, as if the API had
 * taken them all at once. `send` makes one call (a dry run or the change itself).
 */
export async function inBulkChunks(clientIds: string[], send: (chunk: string[]) => Promise<BulkChangeTypeResult>): Promise<BulkChangeTypeResult> {
  const total: BulkChangeTypeResult = { results: [], summary: { changed: 0, unchanged: 0, failed: 0, invitationsToSend: 0, accessRevoked: 0 } };
  for (let start = 0; start < clientIds.length; start += BULK_MAX_IDS) {
    const answer = await send(clientIds.slice(start, start + BULK_MAX_IDS));
    total.results.push(...answer.results);
    for (const key of Object.keys(total.summary) as Array<keyof BulkChangeTypeResult['summary']>) total.summary[key] += answer.summary[key];
  }
  return total;
}
