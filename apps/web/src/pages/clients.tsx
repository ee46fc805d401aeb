import { useEffect, useState } from 'react';
import { api, CLIENT_TYPES, formatDate, TYPE_LABELS, type ClientSummary, type Page, type StaffMember } from '../api';
import { AddClientDialog, ChangeTypeDialog, DeleteClientsDialog } from '../components/client-dialogs';
import { ErrorNote, Menu, Notice, Skeleton, TypeBadge } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { Link } from '../router';
import { useSession } from '../session';

type Sort = 'name' | '-name' | 'createdAt' | '-createdAt' | 'lastActivityAt' | '-lastActivityAt';
const PAGE_SIZE = 25;

export function ClientsPage() {
  const { session } = useSession();
  const isAdmin = session!.user.role === 'admin';
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [coachId, setCoachId] = useState('');
  const [sort, setSort] = useState<Sort>('name');
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<'add' | 'type' | 'delete' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [staff, setStaff] = useState<StaffMember[]>([]);

  // Searching waits for a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    if (isAdmin) api<Page<StaffMember>>('/api/v1/staff').then((answer) => setStaff(answer.items), () => undefined);
  }, [isAdmin]);

  const list = useLoad(() => {
    const params = new URLSearchParams({ sort, page: String(page), pageSize: String(PAGE_SIZE) });
    if (query) params.set('search', query);
    if (type) params.set('type', type);
    if (status) params.set('status', status);
    if (coachId) params.set('coachId', coachId);
    return api<Page<ClientSummary>>(`/api/v1/clients?${params}`);
  }, [query, type, status, coachId, sort, page]);
  const { data, error } = list;

  const items = data?.items ?? [];
  const allSelected = items.length > 0 && items.every((c) => selected.has(c.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(items.map((c) => c.id)));
  const refresh = (message?: string) => {
    setDialog(null);
    setSelected(new Set());
    setNotice(message ?? null);
    void list.reload();
  };
  const sortBy = (field: 'name' | 'createdAt' | 'lastActivityAt') => {
    setSort(sort === field ? (`-${field}` as Sort) : (field as Sort));
    setPage(1);
  };
  const sortMark = (field: string) => (sort === field ? 'ascending' : sort === `-${field}` ? 'descending' : 'none');
  const filtered = Boolean(query || type || status || coachId);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  const selectedIds = [...selected];
  const nameOf = (id: string) => {
    const c = items.find((i) => i.id === id);
    return c ? `${c.firstName} ${c.lastName}` : id;
  };

  return (
    <section>
      <div className="page-header">
        <h1>Clients</h1>
        <button type="button" className="primary" onClick={() => setDialog('add')}>
          Add client
        </button>
      </div>
      <Notice text={notice} />
      <div className="toolbar">
        <input type="search" aria-label="Search clients" placeholder="Search by name or e-mail" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Client type" value={type} onChange={(e) => (setType(e.target.value), setPage(1))}>
          <option value="">All types</option>
          {CLIENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {TYPE_LABELS[t]}
            </option>
          ))}
        </select>
        <select aria-label="Status" value={status} onChange={(e) => (setStatus(e.target.value), setPage(1))}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="pending">Waiting for a seat</option>
        </select>
        {isAdmin && staff.length > 1 && (
          <select aria-label="Coach" value={coachId} onChange={(e) => (setCoachId(e.target.value), setPage(1))}>
            <option value="">All coaches</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.firstName} {s.lastName}
              </option>
            ))}
          </select>
        )}
        <div className="selection-actions">
          {selected.size > 0 && <span className="muted">{selected.size} selected</span>}
          <Menu
            label="Actions for the selected clients"
            disabled={selected.size === 0}
            items={[
              { label: 'Change client type', onSelect: () => setDialog('type') },
              { label: 'Delete', onSelect: () => setDialog('delete'), danger: true },
            ]}
          />
        </div>
      </div>
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
          <button type="button" className="primary" onClick={() => setDialog('add')}>
            Add your first client
          </button>
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="clients-table">
              <thead>
                <tr>
                  <th className="check">
                    <input type="checkbox" aria-label="Select all clients on this page" checked={allSelected} onChange={toggleAll} />
                  </th>
                  <th aria-sort={sortMark('name')}>
                    <button type="button" className="sort" onClick={() => sortBy('name')}>
                      Name
                    </button>
                  </th>
                  <th className="hide-small">E-mail</th>
                  <th>Type</th>
                  <th className="hide-small">Status</th>
                  <th className="hide-small" aria-sort={sortMark('createdAt')}>
                    <button type="button" className="sort" onClick={() => sortBy('createdAt')}>
                      Added
                    </button>
                  </th>
                  <th className="hide-small" aria-sort={sortMark('lastActivityAt')}>
                    <button type="button" className="sort" onClick={() => sortBy('lastActivityAt')}>
                      Last activity
                    </button>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-client-id={c.id} className={selected.has(c.id) ? 'selected' : undefined}>
                    <td className="check">
                      <input type="checkbox" aria-label={`Select ${c.firstName} ${c.lastName}`} checked={selected.has(c.id)} onChange={() => toggle(c.id)} />
                    </td>
                    <td>
                      <Link to={`/clients/${c.id}`}>
                        {c.firstName} {c.lastName}
                      </Link>
                    </td>
                    <td className="hide-small">{c.email}</td>
                    <td>
                      <TypeBadge type={c.type} />
                    </td>
                    <td className="hide-small">{c.status === 'pending' ? 'Waiting for a seat' : 'Active'}</td>
                    <td className="hide-small">{formatDate(c.createdAt)}</td>
                    <td className="hide-small">{formatDate(c.lastActivityAt)}</td>
                  </tr>
                ))}
                {items.length === 0 && (
                  <tr>
                    <td colSpan={7} className="muted">
                      No client matches these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <nav className="pagination" aria-label="Pages">
            <span className="muted">
              {data!.total} {data!.total === 1 ? 'client' : 'clients'}
            </span>
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              Page {page} of {pages}
            </span>
            <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </nav>
        </>
      )}
      {dialog === 'add' && <AddClientDialog onClose={() => setDialog(null)} onAdded={(client) => refresh(`${client.firstName} ${client.lastName} was added.`)} />}
      {dialog === 'type' && <ChangeTypeDialog clientIds={selectedIds} onClose={() => setDialog(null)} onDone={() => refresh('Client types updated.')} />}
      {dialog === 'delete' && (
        <DeleteClientsDialog
          clientIds={selectedIds}
          names={selectedIds.map(nameOf)}
          onClose={() => setDialog(null)}
          onDone={(failed) => refresh(failed ? `Deleted, except ${failed} that could not be.` : 'Deleted.')}
        />
      )}
    </section>
  );
}
