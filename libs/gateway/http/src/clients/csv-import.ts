import type { ImportClientsResult, ImportRow } from '@clientele/clients/contracts';
import { AppError, ClientTypes, ErrorCodes, type ClientType } from '@clientele/platform/core';
import { parse, type Options } from 'csv-parse';
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { humanFieldErrors } from '../http/field-messages';

export const IMPORT_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'type'] as const;
export const IMPORT_CHUNK_ROWS = 200;
/**
 * The limits of one import (issue 17, finding 4: 15 MB of rows took 2.5 GB and every tenant's
 * latency with it). 10,000 clients is a large roster moved in at once; at ~60 bytes a row, such a
 * file is ~0.6 MB, so 4 MiB leaves room for long names and extra spaces. Beyond either: 413.
 */
export const IMPORT_MAX_ROWS = 10_000;
export const IMPORT_MAX_MIB = 4;
export const IMPORT_MAX_BYTES = IMPORT_MAX_MIB * 1024 * 1024;
/** The answer lists the first refusals only; the rest is in the report download. */
export const IMPORT_INLINE_REFUSALS = 100;
/** Imports one gateway process runs at once, all accounts together (one per account at any time). */
export const IMPORT_MAX_CONCURRENT = 2;
/** Imports that may wait for their turn: per account, in all, and for how long. */
export const IMPORT_MAX_WAITING_PER_ACCOUNT = 2;
export const IMPORT_MAX_WAITING = 20;
export const IMPORT_MAX_WAIT_MS = 60_000;
export const IMPORT_LIMITS = `at most ${IMPORT_MAX_ROWS.toLocaleString('en')} rows and ${IMPORT_MAX_MIB} MiB per file; split the file`;
/**
 * After a refusal, the rest of an upload is read and dropped (never kept) for this long, so that
 * the client reads the 413 instead of a reset (nginx's lingering close); then the connection is cut.
 */
const LINGER_MS = 5_000;
/**
 * An upload must arrive within this (4 MiB in a minute is 70 KB/s): a slow sender holds an import
 * slot, and two of them would otherwise keep every other account's imports waiting.
 */
export const IMPORT_RECEIVE_TIMEOUT_MS = 60_000;
/** A parse error may quote a whole cell; the problem says where, not what. */
const MAX_PARSE_MESSAGE = 160;
/**
 * Blank lines are read as records (and skipped by the import) so that every record keeps its
 * spreadsheet row number: a spreadsheet shows a blank line as an empty row.
 */
const PARSE_OPTIONS: Options = { bom: true, relax_column_count: true, skip_empty_lines: false, trim: true };

type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/**
 * The header names people actually have, as keys (lower case, without spaces, dashes, dots or
 * underscores): `First name`, `first_name`, `FIRSTNAME`, `Email address`, `E-mail`, `Phone number`,
 * `Client type` all name a column of the import.
 */
const COLUMN_ALIASES: Record<ImportColumn, string[]> = {
  firstName: ['firstname', 'first', 'givenname', 'forename'],
  lastName: ['lastname', 'last', 'surname', 'familyname'],
  email: ['email', 'emailaddress', 'mail', 'mailaddress'],
  phone: ['phone', 'phonenumber', 'telephone', 'telephonenumber', 'tel', 'mobile', 'mobilenumber', 'mobilephone', 'cellphone'],
  type: ['type', 'clienttype'],
};
const COLUMN_LABELS: Record<ImportColumn, string> = { firstName: 'first name', lastName: 'last name', email: 'e-mail', phone: 'phone', type: 'client type' };

export const columnKey = (name: string) => name.toLowerCase().replace(/[\s_.\-]+/g, '');

/** The import column a header cell names, or null for a column the import does not read. */
export function importColumnOf(name: string): ImportColumn | null {
  const key = columnKey(name);
  return IMPORT_COLUMNS.find((column) => COLUMN_ALIASES[column].includes(key)) ?? null;
}

/** What the caller chose for the whole file (query `type` and `sendInvitation`). */
export interface ImportChoices {
  /** The type of the rows whose type cell is empty (or of every row, when the file has no type column). */
  defaultType?: ClientType;
  /** false: no row gets login details; absent or true: the full-access rows get them (offline rows never do). */
  sendInvitation?: boolean;
}

/**
 * The query of POST /clients/import: `type` (a client type, for the rows without one) and
 * `sendInvitation` (`true` or `false`). Anything else is refused, as on every other route.
 */
export function importChoices(query: unknown): ImportChoices {
  const given = (query ?? {}) as Record<string, unknown>;
  const errors: Array<{ field: string; message: string }> = [];
  const choices: ImportChoices = {};
  for (const [name, value] of Object.entries(given)) {
    if (name === 'type') {
      if (typeof value === 'string' && (ClientTypes as readonly string[]).includes(value)) choices.defaultType = value as ClientType;
      else errors.push({ field: 'type', message: `must be one of ${ClientTypes.join(', ')}` });
    } else if (name === 'sendInvitation') {
      if (value === 'true' || value === 'false') choices.sendInvitation = value === 'true';
      else errors.push({ field: 'sendInvitation', message: 'must be true or false' });
    } else errors.push({ field: brief(name, 40), message: 'is not a setting of the import (type, sendInvitation)' });
  }
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'The import settings are not valid: type is a client type, sendInvitation is true or false.', errors);
  return choices;
}

/** How the header row maps onto the import: each cell's column (null: not read), and the cells not read. */
export interface ImportHeader {
  columns: Array<ImportColumn | null>;
  ignored: string[];
}

/**
 * Reads the header row: every column the import needs must be named once (in any order, under any
 * of its usual names); other columns are ignored and reported, so that a spreadsheet with a Notes
 * column, or the refused rows downloaded with their reason, imports as it is.
 */
export function readHeader(record: string[], choices: ImportChoices = {}): ImportHeader {
  const columns = record.map((name) => importColumnOf(name.trim()));
  const ignored = record.map((name) => name.trim()).filter((name, index) => columns[index] === null && name !== '');
  const errors: Array<{ field: string; message: string }> = [];
  for (const column of IMPORT_COLUMNS) {
    const named = record.filter((_, index) => columns[index] === column).map((name) => name.trim());
    const optional = column === 'phone' || (column === 'type' && choices.defaultType !== undefined);
    if (named.length === 0 && !optional) errors.push({ field: column, message: `column is missing: name it "${column}" (or "${COLUMN_LABELS[column]}")` });
    if (named.length > 1) errors.push({ field: column, message: `is named by ${named.length} columns (${named.map((n) => `"${brief(n, 40)}"`).join(', ')}); keep one` });
  }
  if (errors.length) {
    const typeHint = errors.some((e) => e.field === 'type') ? ', or choose one client type for the whole file' : '';
    throw new AppError(
      ErrorCodes.validationFailed,
      `The first row must name the columns ${IMPORT_COLUMNS.join(',')} in any order (phone may be left out${typeHint}); "First name", "first_name" or "E-mail address" are fine too.`,
      errors,
    );
  }
  return { columns, ignored };
}

/** A type cell as the API's value: `full_access` as well as the app's labels ("Full access", "One-way messaging", "Offline"). */
const TYPE_ALIASES: Record<string, ClientType> = {
  fullaccess: 'full_access',
  fullaccessoneway: 'full_access_one_way',
  onewaymessaging: 'full_access_one_way',
  oneway: 'full_access_one_way',
  fullaccess1way: 'full_access_one_way',
  fullaccess1waymessaging: 'full_access_one_way',
  offline: 'offline',
};

export function importType(cell: string | undefined, defaultType: ClientType | undefined): string | undefined {
  const text = (cell ?? '').trim();
  if (text === '') return defaultType;
  if ((ClientTypes as readonly string[]).includes(text)) return text;
  return TYPE_ALIASES[columnKey(text)] ?? text;
}

/** The HTTP answer: `{ created, failed }` as before, plus the counts and where the full report is. */
export interface ImportAnswer extends ImportClientsResult {
  /** Every refused row; `failed` holds the first IMPORT_INLINE_REFUSALS of them. */
  failedCount: number;
  truncated: boolean;
  importId: string;
  /** The full report as CSV (only when a row was refused). */
  reportUrl?: string;
  /** The header cells the import did not read (only when there were some). */
  ignoredColumns?: string[];
}

export const importReportUrl = (importId: string) => `/api/v1/clients/imports/${importId}/report`;

export function tooLarge(): AppError {
  return new AppError(ErrorCodes.payloadTooLarge, `An import file may hold ${IMPORT_LIMITS}.`);
}

/**
 * Imports a CSV body in two steps, so that a file over the limits imports nothing and costs little:
 * 1. Receive: the body is read as it arrives, counted in bytes and parsed only to count rows and
 *    check the header; past IMPORT_MAX_BYTES or IMPORT_MAX_ROWS (or on a CSV error) the import is
 *    refused at once and the rest of the upload is never kept. What is kept is at most the cap.
 * 2. Import: the kept bytes are parsed again as a stream and handed on in chunks of 200 rows, one
 *    after the other, yielding to the event loop between chunks (other tenants' requests run in
 *    between). Only the first refusals and the counts stay in memory; each chunk's refusals are
 *    kept by the clients service for the report.
 * Row numbers are spreadsheet rows (the header is row 1; a blank line is a row too, and a quoted
 * cell over several lines is one). The header must name the columns (readHeader); their order is
 * free.
 */
export async function importCsv(
  body: Readable,
  declaredBytes: number | undefined,
  importId: string,
  handleChunk: (rows: ImportRow[], chunk: number) => Promise<ImportClientsResult>,
  limits: { maxBytes?: number; maxRows?: number } = {},
  choices: ImportChoices = {},
): Promise<ImportAnswer> {
  const file = await receive(body, declaredBytes, { maxBytes: limits.maxBytes ?? IMPORT_MAX_BYTES, maxRows: limits.maxRows ?? IMPORT_MAX_ROWS }, choices);
  const answer: ImportAnswer = { created: 0, failed: [], failedCount: 0, truncated: false, importId };
  let header: ImportHeader | null = null;
  let rows: ImportRow[] = [];
  let chunk = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const result = await handleChunk(rows, chunk++);
    rows = [];
    answer.created += result.created;
    answer.failedCount += result.failed.length;
    // Chunks go in row order and each answers its refusals in row order: these are the first ones.
    // The services word a row's problems as fragments ("is required"); a coach reads sentences, as in every other answer.
    for (const refusal of result.failed) if (answer.failed.length < IMPORT_INLINE_REFUSALS) answer.failed.push({ ...refusal, errors: humanFieldErrors(refusal.errors) });
    await yieldToEventLoop();
  };
  let line = 0;
  for await (const record of Readable.from(file).pipe(parse(PARSE_OPTIONS)) as AsyncIterable<string[]>) {
    line++;
    if (!header) {
      header = readHeader(record, choices);
      if (header.ignored.length) answer.ignoredColumns = header.ignored.slice(0, 20).map((name) => brief(name, 40));
      continue;
    }
    if (isBlank(record)) continue; // an empty row: nothing to import, but it keeps its number
    const row: ImportRow = { row: line };
    header.columns.forEach((column, index) => {
      if (column && record[index] !== undefined) row[column] = record[index];
    });
    const type = importType(row.type, choices.defaultType);
    if (type === undefined) delete row.type;
    else row.type = type;
    rows.push(row);
    if (rows.length >= IMPORT_CHUNK_ROWS) await flush();
  }
  await flush();
  answer.truncated = answer.failedCount > answer.failed.length;
  if (answer.failedCount > 0) answer.reportUrl = importReportUrl(importId);
  return answer;
}

/**
 * Reads the upload within the limits and answers its bytes, with the header checked and the rows
 * counted; refuses (413, or 400 for a file that is not CSV) as soon as it knows.
 */
function receive(body: Readable, declaredBytes: number | undefined, limits: { maxBytes: number; maxRows: number }, choices: ImportChoices): Promise<Buffer[]> {
  if (declaredBytes !== undefined && declaredBytes > limits.maxBytes) {
    dropRest(body);
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer[]>((resolve, reject) => {
    const kept: Buffer[] = [];
    let bytes = 0;
    let records = 0;
    let settled = false;
    const counter = parse(PARSE_OPTIONS);
    const deadline = setTimeout(
      () => refuse(new AppError(ErrorCodes.validationFailed, `The upload took longer than ${IMPORT_RECEIVE_TIMEOUT_MS / 1000} seconds; send the file again.`)),
      IMPORT_RECEIVE_TIMEOUT_MS,
    );
    const refuse = (error: AppError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      counter.destroy();
      kept.length = 0;
      dropRest(body);
      reject(error);
    };
    counter.on('data', (record: string[]) => {
      if (records > 0 && isBlank(record)) return;
      records++;
      if (records === 1) {
        try {
          readHeader(record, choices);
        } catch (error) {
          refuse(error as AppError);
        }
      } else if (records - 1 > limits.maxRows) refuse(tooLarge());
    });
    counter.on('error', (error: Error) => refuse(new AppError(ErrorCodes.validationFailed, `The file is not valid CSV near row ${records + 1}: ${brief(error.message)}`)));
    counter.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (records === 0) reject(new AppError(ErrorCodes.validationFailed, 'The file is empty; its first row must name the columns.'));
      else resolve(kept);
    });
    body.on('data', (chunk: Buffer) => {
      if (settled) return; // refused: the rest is dropped
      bytes += chunk.length;
      if (bytes > limits.maxBytes) return refuse(tooLarge());
      kept.push(chunk);
      counter.write(chunk);
    });
    body.on('end', () => {
      if (!settled) counter.end();
    });
    const brokeOff = () => refuse(new AppError(ErrorCodes.validationFailed, 'The upload broke off before its end; send the file again.'));
    body.on('error', brokeOff);
    body.on('close', () => {
      if (!body.readableEnded) brokeOff();
    });
    if (body.destroyed) brokeOff();
  });
}

/** A record with no text in any cell (a blank line, or `,,,`). */
function isBlank(record: string[]): boolean {
  return record.every((cell) => cell.trim() === '');
}

function brief(text: string, max = MAX_PARSE_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The rest of a refused upload is read and dropped, so the client gets the answer rather than a
 * reset; one that goes on sending longer than LINGER_MS loses the connection.
 */
export function dropRest(body: unknown): void {
  // Another content type was parsed already (and refused): nothing is left to read.
  if (!(body instanceof Readable) || body.readableEnded || body.destroyed) return;
  const timer = setTimeout(() => body.destroy(), LINGER_MS);
  timer.unref();
  const done = () => clearTimeout(timer);
  body.once('end', done).once('close', done).on('error', done);
  body.resume();
}

/**
 * One import at a time per account, and a few per gateway process: an import is the heaviest
 * request there is, and a tenant who sends many at once must not take every other tenant's turn.
 * Imports beyond that wait their turn, first come first served (their uploads are not read
 * meanwhile), a few per account and a bounded number in all, for a bounded time; more answers 429
 * with a Retry-After.
 */
export class ImportSlots {
  private readonly running = new Set<string>();
  private readonly waiting: Array<{ accountId: string; start: (release: () => void) => void }> = [];

  constructor(
    private readonly limits = { running: IMPORT_MAX_CONCURRENT, waitingPerAccount: IMPORT_MAX_WAITING_PER_ACCOUNT, waiting: IMPORT_MAX_WAITING, waitMs: IMPORT_MAX_WAIT_MS },
  ) {}

  /** Waits for a slot for the account, or refuses; call the answer to give the slot back. */
  take(accountId: string): Promise<() => void> {
    const queuedForAccount = this.waiting.filter((w) => w.accountId === accountId).length;
    if (queuedForAccount >= this.limits.waitingPerAccount) {
      return Promise.reject(new ImportBusyError('This account is already importing files; wait for them to finish, then send the next one.'));
    }
    if (this.waiting.length >= this.limits.waiting) return Promise.reject(new ImportBusyError('Many imports are waiting; try again in a few seconds.'));
    return new Promise((resolve, reject) => {
      const entry = {
        accountId,
        start: (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(entry);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        reject(new ImportBusyError('Other imports took too long; try again in a few seconds.'));
      }, this.limits.waitMs);
      timer.unref();
      this.waiting.push(entry);
      this.pump();
    });
  }

  /** Whether the account has an import running, and how many wait. */
  state(accountId: string): { running: boolean; waiting: number } {
    return { running: this.running.has(accountId), waiting: this.waiting.filter((w) => w.accountId === accountId).length };
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running.size < this.limits.running; ) {
      const entry = this.waiting[i];
      if (this.running.has(entry.accountId)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running.add(entry.accountId);
      let released = false;
      entry.start(() => {
        if (released) return;
        released = true;
        this.running.delete(entry.accountId);
        this.pump();
      });
    }
  }
}

export class ImportBusyError extends AppError {
  readonly retryAfterSeconds = 10;
  constructor(detail: string) {
    super(ErrorCodes.rateLimited, detail);
  }
}
