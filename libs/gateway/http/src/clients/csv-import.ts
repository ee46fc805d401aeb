import type { ImportClientsResult, ImportRow } from '@clientele/clients/contracts';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

export const IMPORT_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'type'] as const;
export const IMPORT_CHUNK_ROWS = 200;
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Streams a CSV body row by row and hands the rows on in chunks, waiting for each chunk to be
 * handled before reading on: the file is never held in memory. Row numbers are spreadsheet rows
 * (the header is row 1). The header must name the columns; their order is free.
 */
export async function importCsv(
  body: Readable,
  handleChunk: (rows: ImportRow[]) => Promise<ImportClientsResult>,
  options: { maxBytes?: number } = {},
): Promise<ImportClientsResult> {
  const maxBytes = options.maxBytes ?? IMPORT_MAX_BYTES;
  let bytes = 0;
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes) body.destroy(new AppError(ErrorCodes.payloadTooLarge, `An import file may hold at most ${maxBytes / 1024 / 1024} MiB; split it.`));
  });
  const parser = body.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }));
  body.on('error', (error) => parser.destroy(error));

  let columns: string[] | null = null;
  let line = 0;
  let chunk: ImportRow[] = [];
  const total: ImportClientsResult = { created: 0, failed: [] };
  const flush = async () => {
    if (chunk.length === 0) return;
    const result = await handleChunk(chunk);
    total.created += result.created;
    total.failed.push(...result.failed);
    chunk = [];
  };

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      if (!columns) {
        columns = record.map((name) => name.trim());
        const missing = IMPORT_COLUMNS.filter((name) => name !== 'phone' && !columns!.includes(name));
        const unknown = columns.filter((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
        if (missing.length || unknown.length) {
          throw new AppError(
            ErrorCodes.validationFailed,
            `The first row must name the columns ${IMPORT_COLUMNS.join(',')} (phone may be left out).`,
            [...missing.map((name) => ({ field: name, message: 'column is missing' })), ...unknown.map((name) => ({ field: name, message: 'is not a column of the import' }))],
          );
        }
        continue;
      }
      const row: ImportRow = { row: line };
      columns.forEach((name, index) => {
        if (record[index] !== undefined) (row as unknown as Record<string, string>)[name] = record[index];
      });
      chunk.push(row);
      if (chunk.length >= IMPORT_CHUNK_ROWS) await flush();
    }
  } catch (error) {
    // Read (and drop) the rest of the upload before answering: a refusal sent while the client is
    // still sending makes the connection close under it, and it sees a reset instead of the answer.
    await drain(body);
    if (error instanceof AppError) throw error;
    throw new AppError(ErrorCodes.validationFailed, `The file is not valid CSV near row ${line + 1}: ${(error as Error).message}`);
  }
  if (!columns) throw new AppError(ErrorCodes.validationFailed, 'The file is empty; its first row must name the columns.');
  await flush();
  total.failed.sort((a, b) => a.row - b.row);
  return total;
}

function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    body.unpipe();
    body.on('end', resolve).on('close', resolve).on('error', () => resolve());
    body.resume();
  });
}
