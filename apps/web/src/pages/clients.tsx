import { useEffect, useState } from 'react';
import { api, CLIENT_TYPES, formatDate, TYPE_LABELS, type ClientSummary, type Page, type StaffMember } from '../api';
import { useCan } from '../capabilities';
import { AddClientDialog, ChangeTypeDialog, DeleteClientsDialog } from '../components/client-dialogs';
import { ErrorNote, Menu, Notice, Skeleton, TypeBadge } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { attachmentName, authorizedFetch, download } from './roster-files';

const SORTS = ['name', '-name', 'email', '-email', 'type', '-type', 'createdAt', '-createdAt', 'lastActivityAt', '-lastActivityAt'] as const;
type Sort = (typeof SORTS)[number];
type SortField = 'name' | 'email' | 'type' | 'createdAt' | 'lastActivityAt';
const PAGE_SIZE = 25;
/** Ids per page when the list fetches every client of a filter ("Select all N matching"). */
const ID_PAGE_SIZE = 100;

/**
 * The list's view as the URL holds it (`/clients?q=ada&type=offline&sort=-email&page=2`): a
 * reload keeps it and a copied link shows the same clients. Defaults stay out of the URL.
 */
interface ListView {
  q: string;
  type: string;
  status: string;
  coach: string;
  sort: Sort;
  page: number;
}

function readView(query: URLSearchParams): ListView {
  const sort = query.get('sort') as Sort | null;
  const page = Number(query.get('page'));
  return {
    q: query.get('q') ?? '',
    type: CLIENT_TYPES.includes(query.get('type') as never) ? query.get('type')! : '',
    status: ['active', 'pending'].includes(query.get('status') ?? '') ? query.get('status')! : '',
    coach: query.get('coach') ?? '',
    sort: sort && SORTS.includes(sort) ? sort : 'name',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

function viewQuery(view: ListView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.q) params.set('q', view.q);
  if (view.type) params.set('type', view.type);
  if (view.status) params.set('status', view.status);
  if (view.coach) params.set('coach', view.coach);
  if (view.sort !== 'name') params.set('sort', view.sort);
  if (view.page > 1) params.set('page', String(view.page));
  return params;
}

/** The API's filters for a view (the list, the export and "select all" ask the same). */
function apiFilters(view: ListView): URLSearchParams {
  const params = new URLSearchParams({ sort: view.sort });
  if (view.q) params.set('search', view.q);
  if (view.type) params.set('type', view.type);
  if (view.status) params.set('status', view.status);
  if (view.coach) params.set('coachId', view.coach);
  return params;
}

const nameOf = (c: Pick<ClientSummary, 'firstName' | 'lastName'>) => `${c.firstName} ${c.lastName}`;

export function ClientsPage() {
  const { session } = useSession();
  const { path, query, navigate } = useRouter();
  const isAdmin = session!.user.role === 'admin';
  const canCreate = useCan('create_clients');
  const canImport = useCan('import_clients');
  const canDelete = useCan('delete_clients');
  const view = readView(query);
  const [search, setSearch] = useState(view.q);
  // Selected clients by id, with their names: the selection outlives searches and pages, and says who it holds.
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [dialog, setDialog] = useState<'add' | 'type' | 'delete' | null>(() => (query.get('add') === '1' && canCreate ? 'add' : null));
  const [notice, setNotice] = useState<string | null>(null);
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [busy, setBusy] = useState<'export' | 'select' | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  // The filter whose every client was selected with "Select all N matching" (its banner then says so).
  const [allOf, setAllOf] = useState<string | null>(null);

  // Filters, search and sort replace the address (typing is not history); a page change is a step Back undoes.
  const show = (changes: Partial<ListView>, { step = false } = {}) => {
    const next = viewQuery({ ...view, page: 1, ...changes }).toString();
    navigate(next ? `${path}?${next}` : path, { replace: !step });
  };

  // `?add=1` (Home's "Add your first client") opens the dialog once; the URL then forgets it.
  useEffect(() => {
    if (query.get('add') === '1') show({ page: view.page });
  }, []);

  // Searching waits for a pause in typing.
  useEffect(() => {
    if (search.trim() === view.q) return;
    const timer = setTimeout(() => show({ q: search.trim() }), 250);
    return () => clearTimeout(timer);
  }, [search]);
  // Back/forward or a link to another search: the box follows the URL.
  useEffect(() => setSearch((typed) => (typed.trim() === view.q ? typed : view.q)), [view.q]);

  useEffect(() => {
    if (isAdmin) api<Page<StaffMember>>('/api/v1/staff').then((answer) => setStaff(answer.items), () => undefined);
  }, [isAdmin]);

  const filters = apiFilters(view).toString();
  const list = useLoad(() => api<Page<ClientSummary>>(`/api/v1/clients?${filters}&page=${view.page}&pageSize=${PAGE_SIZE}`), [filters, view.page]);
  const { data, error } = list;

  const items = data?.items ?? [];
  const total = data?.total ?? 0;
  const allOnPageSelected = items.length > 0 && items.every((c) => selected.has(c.id));
  const toggle = (client: ClientSummary) => {
    const next = new Map(selected);
    if (next.has(client.id)) next.delete(client.id);
    else next.set(client.id, nameOf(client));
    setSelected(next);
  };
  const togglePage = () => {
    const next = new Map(selected);
    for (const c of items) {
      if (allOnPageSelected) next.delete(c.id);
      else next.set(c.id, nameOf(c));
    }
    setSelected(next);
  };
  // Every client of the current filter, a page of ids at a time.
  const selectAllMatching = async () => {
    setBusy('select');
    setActionError(null);
    try {
      const next = new Map(selected);
      for (let page = 1; ; page++) {
        const answer = await api<Page<ClientSummary>>(`/api/v1/clients?${filters}&page=${page}&pageSize=${ID_PAGE_SIZE}`);
        for (const c of answer.items) next.set(c.id, nameOf(c));
        if (answer.items.length < ID_PAGE_SIZE) break;
      }
      setSelected(next);
      setAllOf(filters);
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(null);
    }
  };
  const exportList = async () => {
    setBusy('export');
    setActionError(null);
    try {
      const response = await authorizedFetch(`/api/v1/clients/export?${filters}`, { headers: { accept: 'text/csv' } });
      download(attachmentName(response, 'clients.csv'), await response.blob());
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(null);
    }
  };
  const refresh = (message?: string) => {
    setDialog(null);
    setSelected(new Map());
    setAllOf(null);
    setNotice(message ?? null);
    void list.reload();
  };
  const sortBy = (field: SortField) => show({ sort: view.sort === field ? (`-${field}` as Sort) : field });
  const sortMark = (field: SortField) => (view.sort === field ? 'ascending' : view.sort === `-${field}` ? 'descending' : 'none');
  const sortHeader = (field: SortField, label: string, className?: string) => (
    <th className={className} aria-sort={sortMark(field)}>
      <button type="button" className="sort" onClick={() => sortBy(field)}>
        {label}
      </button>
    </th>
  );
  const filtered = Boolean(view.q || view.type || view.status || view.coach);
  const pages = data ? Math.max(1, Math.ceil(total / PAGE_SIZE)) : 1;
  const selectedIds = [...selected.keys()];
  const selectedNames = [...selected.values()];

  return (
    <section>
      <div className="page-header">
        <h1>Clients</h1>
        <div className="row-actions">
          <button type="button" onClick={exportList} disabled={busy === 'export'}>
            {busy === 'export' ? 'Exporting…' : 'Export'}
          </button>
          {canImport && (
            <Link to="/clients/import" className="button">
              Import
            </Link>
          )}
          {canCreate && (
            <button type="button" className="primary" onClick={() => setDialog('add')}>
              Add client
            </button>
          )}
        </div>
      </div>
      <Notice text={notice} />
      <div className="toolbar">
        <input type="search" aria-label="Search clients" placeholder="Search by name or e-mail" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Client type" value={view.type} onChange={(e) => show({ type: e.target.value })}>
          <option value="">All types</option>
          {CLIENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABELS[t]}
            </option>
          ))}
        </select>
        <select aria-label="Status" value={view.status} onChange={(e) => show({ status: e.target.value })}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="pending">Waiting for a seat</option>
        </select>
        {isAdmin && staff.length > 1 && (
          <select aria-label="Coach" value={view.coach} onChange={(e) => show({ coach: e.target.value })}>
            <option value="">All coaches</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.firstName} {s.lastName}
              </option>
            ))}
          </select>
        )}
        <div className="selection-actions">
          {selected.size > 0 && (
            <span data-testid="selection-count" role="status">
              {selected.size} selected{' '}
              <button type="button" className="link-button" onClick={() => (setSelected(new Map()), setAllOf(null))}>
                Clear
              </button>
            </span>
          )}
          <Menu
            label="Actions for the selected clients"
            disabled={selected.size === 0}
            items={[
              { label: 'Change client type', onSelect: () => setDialog('type') },
              ...(canDelete ? [{ label: 'Delete', onSelect: () => setDialog('delete'), danger: true }] : []),
            ]}
          />
        </div>
      </div>
      {allOnPageSelected && total > items.length && (
        <p className="selection-banner" data-testid="select-all-matching">
          {allOf === filters ? (
            `All ${total} matching clients are selected.`
          ) : (
            <>
              All {items.length} clients on this page are selected.{' '}
              <button type="button" className="link-button" onClick={selectAllMatching} disabled={busy === 'select'}>
                {busy === 'select' ? 'Selecting…' : `Select all ${total} matching`}
              </button>
            </>
          )}
        </p>
      )}
      <ErrorNote error={actionError} />
      <ErrorNote error={error} />
      {!data && !error ? (
        <Skeleton rows={8} />
      ) : data && data.total === 0 && !filtered ? (
        <div className="empty-state">
          <h2>No clients yet</h2>
          <p>
            Add your first client: give them <strong>Full access</strong> to use the app and message you, <strong>One-way messaging</strong> to only hear from you, or{' '}
            <strong>Offline</strong> to keep track of them here without the app. Clients who buy one of your products are added for you.
          </p>
          {canCreate && (
            <button type="button" className="primary" onClick={() => setDialog('add')}>
              Add your first client
            </button>
          )}
          {canImport && (
            <p>
              Or bring them all in at once: <Link to="/clients/import">import a spreadsheet (CSV)</Link>.
            </p>
          )}
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="clients-table">
              <thead>
                <tr>
                  <th className="check">
                    <input type="checkbox" aria-label="Select all clients on this page" checked={allOnPageSelected} onChange={togglePage} />
                  </th>
                  {sortHeader('name', 'Name')}
                  {sortHeader('email', 'E-mail', 'hide-small')}
                  {sortHeader('type', 'Type')}
                  <th className="hide-small">Status</th>
                  {sortHeader('createdAt', 'Added', 'hide-small')}
                  {sortHeader('lastActivityAt', 'Last activity', 'hide-small')}
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-client-id={c.id} className={selected.has(c.id) ? 'selected' : undefined}>
                    <td className="check">
                      <input type="checkbox" aria-label={`Select ${nameOf(c)}`} checked={selected.has(c.id)} onChange={() => toggle(c)} />
                    </td>
                    <td>
                      <Link to={`/clients/${c.id}`}>{nameOf(c)}</Link>
                    </td>
                    <td className="hide-small">{c.email}</td>
                    <td>
                      <TypeBadge type={c.type} />
                    </td>
                    <td className="hide-small">{c.status === 'pending' ? 'Waiting for a seat' : 'Active'}</td>
                    <td className="hide-small">{formatDate(c.createdAt)}</td>
                    <td className="hide-small">{formatDate(c.lastActivityAt)}</td>
                    <td>
                      {/* "Edit" alone: the row says whose (a name in the link would make every "Ada Lovelace" link ambiguous). */}
                      <Link to={`/clients/${c.id}?tab=contact&edit=1`}>Edit</Link>
                    </td>
                  </tr>
                ))}
                {items.length === 0 && (
                  <tr>
                    <td colSpan={8} className="muted">
                      No client matches these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <nav className="pagination" aria-label="Pages">
            <span className="muted">
              {total} {total === 1 ? 'client' : 'clients'}
            </span>
            <button type="button" disabled={view.page <= 1} onClick={() => show({ page: view.page - 1 }, { step: true })}>
              Previous
            </button>
            <span>
              Page {view.page} of {pages}
            </span>
            <button type="button" disabled={view.page >= pages} onClick={() => show({ page: view.page + 1 }, { step: true })}>
              Next
            </button>
          </nav>
        </>
      )}
      {dialog === 'add' && <AddClientDialog onClose={() => setDialog(null)} onAdded={(client) => refresh(`${client.firstName} ${client.lastName} was added.`)} />}
      {dialog === 'type' && <ChangeTypeDialog clientIds={selectedIds} names={selectedNames} onClose={() => setDialog(null)} onDone={() => refresh('Client types updated.')} />}
      {dialog === 'delete' && (
        <DeleteClientsDialog
          clientIds={selectedIds}
          names={selectedNames}
          onClose={() => setDialog(null)}
          onDone={(failed) => refresh(failed ? `Deleted, except ${failed} that could not be.` : 'Deleted.')}
        />
      )}
    </section>
  );
}
