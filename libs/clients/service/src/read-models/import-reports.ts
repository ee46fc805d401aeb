import type { ImportClientsResult } from '@clientele/clients/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import type { DocumentStore, IndexSpec } from '@clientele/platform/document-store';

/**
 * The full report of a CSV import (issue 17, finding 4): the HTTP answer carries only the first
 * refusals, so every chunk's refusals are kept here, one document per chunk of at most 500 rows,
 * written by the chunk's own handler; nothing ever holds a whole report. The gateway streams them
 * back as CSV, chunk after chunk.
 *
 * A report holds row numbers, field names and fixed messages only, never a cell's value: it stays
 * small, and no personal data outlives a client's erasure in it. Reports are working files, not
 * records: they go after REPORT_RETENTION_DAYS (swept when a later import starts).
 */
export const IMPORT_REPORTS = 'clients_import_reports';
export const REPORT_RETENTION_DAYS = 7;
export const IMPORT_REPORT_INDEXES: readonly IndexSpec[] = [{ fields: [['importId', 1], ['chunk', 1]] }, { fields: [['createdAt', 1]] }];
/** Chunk documents per page of the download (at most 10 x 500 rows of refusals). */
const CHUNKS_PER_PAGE = 10;
/** Expired chunk documents removed per sweep: a sweep stays a small commit. */
const SWEEP_LIMIT = 50;

export interface ImportReportDoc {
  id: string;
  importId: string;
  chunk: number;
  accountId: string;
  /** Who ran the import: the report is theirs (and the account admins'). */
  actorId: string;
  createdAt: string;
  failed: ImportClientsResult['failed'];
  [key: string]: unknown;
}

export class ImportReports {
  constructor(private readonly documents: DocumentStore) {}

  /** Keeps one chunk's refusals; a chunk sent again (a retry) replaces its own document. */
  async record(actor: RequestActor, importId: string, chunk: number, failed: ImportClientsResult['failed']): Promise<void> {
    const doc: ImportReportDoc = {
      id: `${importId}:${chunk}`,
      importId,
      chunk,
      accountId: actor.accountId,
      actorId: actor.id,
      createdAt: new Date().toISOString(),
      failed,
    };
    await this.documents.commit([{ op: 'upsert', collection: IMPORT_REPORTS, doc }]);
  }

  /**
   * The next chunks of a report the actor may read: their own imports, or any of the account's for
   * an admin. Null when there is no such report (unknown, expired, another account's or another
   * coach's): the caller answers 404 without saying which.
   */
  async page(actor: RequestActor, importId: string, afterChunk: number): Promise<{ failed: ImportClientsResult['failed']; lastChunk: number } | null> {
    const docs = await this.documents
      .collection<ImportReportDoc>(IMPORT_REPORTS)
      .find(
        { importId, accountId: actor.accountId, ...(actor.role === 'admin' ? {} : { actorId: actor.id }), chunk: { $gt: afterChunk } },
        { sort: [['chunk', 1]], limit: CHUNKS_PER_PAGE },
      );
    if (docs.length === 0) return afterChunk < 0 ? null : { failed: [], lastChunk: afterChunk };
    return { failed: docs.flatMap((d) => d.failed), lastChunk: docs[docs.length - 1].chunk };
  }

  /** Drops the reports older than the retention, a bounded batch at a time. */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - REPORT_RETENTION_DAYS * 86_400_000).toISOString();
    const expired = await this.documents.collection<ImportReportDoc>(IMPORT_REPORTS).find({ createdAt: { $lt: cutoff } }, { limit: SWEEP_LIMIT });
    if (expired.length) await this.documents.commit(expired.map((d) => ({ op: 'delete' as const, collection: IMPORT_REPORTS, id: d.id })));
    return expired.length;
  }
}
