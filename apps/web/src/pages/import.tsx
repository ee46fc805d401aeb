import { useMemo, useState, type ChangeEvent, type FormEvent } from 'react';
import { ApiError, CLIENT_TYPES, TYPE_LABELS, type ClientType } from '../api';
import { ErrorNote } from '../components/ui';
import { useCan, WHY_NOT } from '../capabilities';
import { Link } from '../router';
import { csvText, importColumnOf, isBlank, parseCsv, type CsvRecord, type ImportColumn } from './csv';
import { authorizedFetch, download } from './roster-files';

/** The answer of POST /api/v1/clients/import (docs/api.md), as far as this page reads it. */
interface ImportAnswer {
  created: number;
  failed: Refusal[];
  failedCount?: number;
  truncated?: boolean;
  reportUrl?: string;
  ignoredColumns?: string[];
}
interface Refusal {
  row: number;
  errors: Array<{ field: string; message: string }>;
}

/** The file as read in the browser: its header, its rows (blank ones left out) and how the header maps. */
interface ReadFile {
  name: string;
  header: string[];
  columns: Array<ImportColumn | null>;
  rows: CsvRecord[];
  text: string;
}

const PREVIEW_ROWS = 5;

const COLUMN_HELP: Array<{ column: ImportColumn; title: string; required: string; holds: string; alsoRead: string }> = [
  { column: 'firstName', title: 'First name', required: 'Required', holds: 'The client’s first name.', alsoRead: 'First name, first_name, Given name' },
  { column: 'lastName', title: 'Last name', required: 'Required', holds: 'The client’s last name.', alsoRead: 'Last name, last_name, Surname' },
  { column: 'email', title: 'E-mail', required: 'Required', holds: 'Their address: they sign in with it and get their e-mails there. One client per address.', alsoRead: 'Email, E-mail address, Email address' },
  { column: 'phone', title: 'Phone', required: 'Optional', holds: 'Any phone number, e.g. +33 6 12 34 56 78.', alsoRead: 'Phone number, Mobile, Telephone' },
  {
    column: 'type',
    title: 'Type',
    required: 'Optional',
    holds: 'Full access, One-way messaging or Offline (or full_access, full_access_one_way, offline). Empty: the type you choose below.',
    alsoRead: 'Client type',
  },
];

const TEMPLATE = csvText([
  ['firstName', 'lastName', 'email', 'phone', 'type'],
  ['Ada', 'Lovelace', 'ada@example.com', '+44 20 7946 0000', 'full_access'],
  ['Alan', 'Turing', 'alan@example.com', '', 'full_access_one_way'],
  ['Grace', 'Hopper', 'grace@example.com', '+1 (555) 010-0000', 'offline'],
]);

const FIELD_LABELS: Record<string, string> = { firstName: 'first name', lastName: 'last name', email: 'e-mail address', phone: 'phone number', type: 'client type' };

/** What was wrong with a row, as a sentence about that row (the API names the field; the file gives the value). */
export function refusalSentence(error: { field: string; message: string }, value: string | undefined): string {
  const given = (value ?? '').trim();
  const label = FIELD_LABELS[error.field];
  if (error.field === 'row' || !label) return /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  if (error.message === 'is required' || given === '') {
    if (error.field === 'type') return 'The client type is missing: write Full access, One-way messaging or Offline, or choose a type for the whole file.';
    return `The ${label} is missing.`;
  }
  if (error.field === 'email' && /already used/.test(error.message)) return `Another client already uses ${given}.`;
  if (error.field === 'email') return `“${given}” is not an e-mail address.`;
  if (error.field === 'phone') return `“${given}” is not a phone number.`;
  if (error.field === 'type') return `“${given}” is not a client type: write Full access, One-way messaging or Offline.`;
  if (/^must be at most/.test(error.message)) return `The ${label} is too long: it ${error.message.replace(/^must/, 'may')}.`;
  return `The ${label} ${error.message}.`;
}

function readFile(name: string, text: string): ReadFile {
  const records = parseCsv(text);
  const header = records[0]?.cells ?? [];
  return { name, text, header, columns: header.map(importColumnOf), rows: records.slice(1).filter((r) => !isBlank(r)) };
}

const cellOf = (file: ReadFile, record: CsvRecord | undefined, column: ImportColumn) => {
  const index = file.columns.indexOf(column);
  return index < 0 || !record ? undefined : record.cells[index];
};

/** CSV import: the columns explained with a template, the file previewed, the type and login-details choice, then the per-row report. */
export function ImportClientsPage() {
  const canImport = useCan('import_clients');
  const [file, setFile] = useState<ReadFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [type, setType] = useState<ClientType>('full_access');
  const [sendInvitation, setSendInvitation] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);

  const hasTypeColumn = file?.columns.includes('type') ?? false;
  const missing = useMemo(
    () => (file ? (['firstName', 'lastName', 'email'] as const).filter((column) => !file.columns.includes(column)) : []),
    [file],
  );
  const ignored = file ? file.header.filter((name, index) => file.columns[index] === null && name.trim() !== '') : [];

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    setAnswer(null);
    setError(null);
    setFileError(null);
    setFile(null);
    if (!chosen) return;
    try {
      const read = readFile(chosen.name, await chosen.text());
      if (read.header.length === 0) setFileError('This file is empty: its first row must name the columns.');
      setFile(read);
    } catch {
      setFileError('This file cannot be read. Save it as CSV (comma-separated values) and choose it again.');
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file || busy) return;
    setBusy(true);
    setError(null);
    try {
      const query = new URLSearchParams({ type, sendInvitation: String(sendInvitation) });
      const response = await authorizedFetch(`/api/v1/clients/import?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', accept: 'application/json' },
        body: file.text,
      });
      setAnswer((await response.json()) as ImportAnswer);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!canImport) {
    return (
      <section>
        <h1>Import clients</h1>
        <p className="error-note" role="alert">
          {WHY_NOT.import_clients}
        </p>
        <Link to="/clients">Back to the clients</Link>
      </section>
    );
  }

  return (
    <section className="import-page">
      <p className="breadcrumb">
        <Link to="/clients">Clients</Link> / Import
      </p>
      <div className="page-header">
        <h1>Import clients</h1>
      </div>

      <article className="card" aria-labelledby="import-columns">
        <h2 id="import-columns">1. Prepare your file</h2>
        <p>
          A CSV file (in Excel, Numbers or Google Sheets: <em>Save as / Download as CSV</em>) whose first row names the columns, in any order. One client per row; up to 10,000
          rows.
        </p>
        <div className="table-wrap">
          <table aria-label="The columns of the import">
            <thead>
              <tr>
                <th>Column</th>
                <th>Needed</th>
                <th>What it holds</th>
                <th className="hide-small">Also read as</th>
              </tr>
            </thead>
            <tbody>
              {COLUMN_HELP.map((c) => (
                <tr key={c.column}>
                  <td>
                    <code>{c.column}</code> <span className="muted">({c.title})</span>
                  </td>
                  <td>{c.required}</td>
                  <td>{c.holds}</td>
                  <td className="hide-small">{c.alsoRead}, in any case and spacing</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted">Other columns (notes, a reason column from a previous import) are left out.</p>
        <button type="button" onClick={() => download('clients-import-template.csv', TEMPLATE)}>
          Download the template
        </button>
      </article>

      {!answer && (
        <form className="card" aria-labelledby="import-file" onSubmit={submit}>
          <h2 id="import-file">2. Choose the file and how to add the clients</h2>
          <div className="field">
            <label htmlFor="import-file-input">CSV file</label>
            <input id="import-file-input" type="file" accept=".csv,text/csv" onChange={choose} aria-describedby="import-file-hint" />
            <small id="import-file-hint" className="hint">
              Nothing is added until you press Import.
            </small>
          </div>
          {fileError && (
            <p className="error-note" role="alert">
              {fileError}
            </p>
          )}
          {file && file.header.length > 0 && (
            <Preview file={file} missing={missing} ignored={ignored} hasTypeColumn={hasTypeColumn} />
          )}
          <div className="field" style={{ marginTop: '1rem' }}>
            <label htmlFor="import-type">{hasTypeColumn ? 'Client type for rows whose type is empty' : 'Client type of every client in the file'}</label>
            <select id="import-type" value={type} onChange={(e) => setType(e.target.value as ClientType)}>
              {CLIENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          </div>
          <label className={`type-option${sendInvitation ? ' selected' : ''}`}>
            <input type="checkbox" checked={sendInvitation} onChange={(e) => setSendInvitation(e.target.checked)} />
            <span>
              <strong>Send login details</strong>
              <small>
                Each full-access client gets an e-mail to sign in to the app; offline clients never get one. Without it, the clients are added without any e-mail, and you
                can send their login details later from each profile.
              </small>
            </span>
          </label>
          <ErrorNote error={error} />
          {error instanceof ApiError && error.fieldErrors.length > 0 && (
            <ul className="error-list">
              {error.fieldErrors.map((e) => (
                <li key={`${e.field}:${e.message}`}>
                  {e.field}: {e.message}
                </li>
              ))}
            </ul>
          )}
          <footer className="dialog-actions">
            <button type="submit" className="primary" disabled={!file || busy || missing.length > 0 || file.rows.length === 0}>
              {busy ? 'Importing…' : file ? `Import ${file.rows.length} ${file.rows.length === 1 ? 'client' : 'clients'}` : 'Import'}
            </button>
          </footer>
        </form>
      )}

      {answer && file && (
        <Report
          answer={answer}
          file={file}
          onAgain={() => {
            setAnswer(null);
            setFile(null);
          }}
        />
      )}
    </section>
  );
}

function Preview({ file, missing, ignored, hasTypeColumn }: { file: ReadFile; missing: readonly string[]; ignored: string[]; hasTypeColumn: boolean }) {
  const shown = file.rows.slice(0, PREVIEW_ROWS);
  return (
    <div className="import-preview" data-testid="import-preview">
      <h3>
        Preview of {file.name}: {file.rows.length} {file.rows.length === 1 ? 'row' : 'rows'}
      </h3>
      {missing.length > 0 && (
        <p className="error-note" role="alert">
          The first row must name the {missing.map((m) => FIELD_LABELS[m]).join(', ')} {missing.length === 1 ? 'column' : 'columns'} (see the columns above).
        </p>
      )}
      {ignored.length > 0 && <p className="muted">These columns will be left out: {ignored.join(', ')}.</p>}
      {!hasTypeColumn && missing.length === 0 && <p className="muted">The file has no type column: every client gets the type chosen below.</p>}
      <div className="table-wrap">
        <table aria-label="The first rows of the file">
          <thead>
            <tr>
              <th>Row</th>
              <th>First name</th>
              <th>Last name</th>
              <th>E-mail</th>
              <th className="hide-small">Phone</th>
              <th>Type</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((record) => (
              <tr key={record.row}>
                <td>{record.row}</td>
                <td>{cellOf(file, record, 'firstName')}</td>
                <td>{cellOf(file, record, 'lastName')}</td>
                <td>{cellOf(file, record, 'email')}</td>
                <td className="hide-small">{cellOf(file, record, 'phone')}</td>
                <td>{cellOf(file, record, 'type') || <span className="muted">(chosen below)</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {file.rows.length > PREVIEW_ROWS && <p className="muted">…and {file.rows.length - PREVIEW_ROWS} more.</p>}
    </div>
  );
}

function Report({ answer, file, onAgain }: { answer: ImportAnswer; file: ReadFile; onAgain: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const refused = answer.failedCount ?? answer.failed.length;
  const byRow = new Map(file.rows.map((r) => [r.row, r]));
  const sentences = (refusal: Refusal) => refusal.errors.map((e) => refusalSentence(e, cellOf(file, byRow.get(refusal.row), e.field as ImportColumn)));

  /** Every refusal: the answer holds the first ones; the full report (row,field,message) has the rest. */
  const allRefusals = async (): Promise<Refusal[]> => {
    if (!answer.truncated || !answer.reportUrl) return answer.failed;
    const report = parseCsv(await (await authorizedFetch(answer.reportUrl, { headers: { accept: 'text/csv' } })).text()).slice(1);
    const rows = new Map<number, Refusal>();
    for (const { cells } of report) {
      const row = Number(cells[0]);
      if (!Number.isInteger(row)) continue;
      const refusal = rows.get(row) ?? { row, errors: [] };
      refusal.errors.push({ field: cells[1], message: cells[2] ?? '' });
      rows.set(row, refusal);
    }
    return [...rows.values()].sort((a, b) => a.row - b.row);
  };

  // The refused rows as they were in the file, with a reason column: fix them and import that file again.
  const downloadRefused = async () => {
    setError(null);
    try {
      const refusals = await allRefusals();
      const lines = [[...file.header, 'reason']];
      for (const refusal of refusals) {
        const record = byRow.get(refusal.row);
        const cells = file.header.map((_, index) => record?.cells[index] ?? '');
        lines.push([...cells, `Row ${refusal.row}: ${sentences(refusal).join(' ')}`]);
      }
      download(file.name.replace(/\.csv$/i, '') + '-refused-rows.csv', csvText(lines));
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <article className="card" aria-labelledby="import-report" data-testid="import-report">
      <h2 id="import-report">Import report</h2>
      <p className="notice" role="status">
        {answer.created} {answer.created === 1 ? 'client was' : 'clients were'} added.{' '}
        {refused > 0 ? `${refused} ${refused === 1 ? 'row was' : 'rows were'} refused.` : 'No row was refused.'}
      </p>
      {answer.ignoredColumns && answer.ignoredColumns.length > 0 && <p className="muted">Columns left out: {answer.ignoredColumns.join(', ')}.</p>}
      {refused > 0 && (
        <>
          <p>Each refused row below is numbered as in your spreadsheet (the header is row 1). Download them, fix them, and import that file again.</p>
          <div className="table-wrap">
            <table aria-label="Refused rows">
              <thead>
                <tr>
                  <th>Row</th>
                  <th>Client</th>
                  <th>Why it was refused</th>
                </tr>
              </thead>
              <tbody>
                {answer.failed.map((refusal) => {
                  const record = byRow.get(refusal.row);
                  const name = [cellOf(file, record, 'firstName'), cellOf(file, record, 'lastName')].filter(Boolean).join(' ');
                  return (
                    <tr key={refusal.row} data-row={refusal.row}>
                      <td>{refusal.row}</td>
                      <td>{name || <span className="muted">(no name)</span>}</td>
                      <td>{sentences(refusal).join(' ')}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {answer.truncated && <p className="muted">The first {answer.failed.length} refused rows are shown; the download holds all {refused}.</p>}
          <ErrorNote error={error} />
        </>
      )}
      <footer className="dialog-actions">
        {refused > 0 && (
          <button type="button" className="primary" onClick={downloadRefused}>
            Download the refused rows
          </button>
        )}
        <button type="button" onClick={onAgain}>
          Import another file
        </button>
        <Link to="/clients" className="button">
          Go to the clients
        </Link>
      </footer>
    </article>
  );
}
