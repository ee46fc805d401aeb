/** The public HTTP API (docs/api.md), from the browser: JSON in and out, problems as errors. */

// The views the API answers with are the services' own contract types: `import type` only, so
// nothing of the libraries reaches the bundle (esbuild erases these lines).
import type { ClientType, Money } from '@clientele/platform/core';
import type { LoginResult } from '@clientele/identity/contracts';

export type { ClientType, Money, Page } from '@clientele/platform/core';
export type { StaffMemberView as StaffMember, UserView as User } from '@clientele/identity/contracts';
export type { BulkChangeTypeResult as BulkResult, ClientProfile, ClientSummary, HistoryEntry, Note, OwnProfile, Seats } from '@clientele/clients/contracts';
export type { Product, PublicProduct } from '@clientele/billing/contracts';
export type { Message } from '@clientele/messaging/contracts';
export type {
  ClientPaymentSummary,
  ClientSessionSummary,
  CoachAgenda,
  PaymentStatus,
  PaymentSummary,
  PaymentView,
  ProgramView,
  SessionStatus,
  SessionView,
} from '@clientele/scheduling/contracts';

/**
 * A row of GET /clients/:id/purchases. The clients service declares this answer beside its message
 * controller, not in its contracts, so the web cannot import it: a copy until it moves there.
 */
export interface PurchaseView {
  purchaseId: string;
  productId: string;
  amount: Money;
  purchasedAt: string;
}

export const CLIENT_TYPES: ClientType[] = ['full_access', 'full_access_one_way', 'offline'];

/**
 * What the web uses of a sign-in's answer (login, accept-invitation and password reset all answer
 * a LoginResult), and keeps in localStorage across reloads: the token and who it is for.
 */
export type Session = Pick<LoginResult, 'accessToken' | 'user'>;

/** An answer that is not a success: always carries a sentence a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }

  /** The message for one form field, if the API named it. */
  forField(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message;
  }
}

const SESSION_KEY = 'clientele.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
}

let onUnauthorized: (ended: { session: Session; detail: string }) => void = () => undefined;
/**
 * What to do when the API says the session is over (sign out, back to the right sign-in page):
 * the handler learns whose session it was and the API's sentence saying why.
 */
export function whenUnauthorized(handler: (ended: { session: Session; detail: string }) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** For answers whose ETag matters (contact edits). */
  withEtag?: boolean;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (session) headers.authorization = `Bearer ${session.accessToken}`;
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch {
    throw new ApiError(0, 'network', 'Clientele cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204 || response.status === 202) return undefined as T;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { code?: string; detail?: string; title?: string; errors?: { field: string; message: string }[] };
    if (response.status === 401 && session && problem.code !== 'invalid_credentials') {
      onUnauthorized({ session, detail: problem.detail ?? 'Your session has ended; sign in again.' });
    }
    throw new ApiError(
      response.status,
      problem.code ?? 'error',
      problem.detail ?? problem.title ?? 'Something went wrong on our side. Please try again in a moment.',
      problem.errors ?? [],
    );
  }
  if (options.withEtag) return { body, etag: response.headers.get('etag') } as T;
  return body as T;
}

export const TYPE_LABELS: Record<ClientType, string> = {
  full_access: 'Full access',
  full_access_one_way: 'One-way messaging',
  offline: 'Offline',
};

export const TYPE_EXPLANATIONS: Record<ClientType, string> = {
  full_access: 'Uses the client app and can message you both ways.',
  full_access_one_way: 'Uses the client app; you can message them, they cannot reply.',
  offline: 'No app and no messages: you track them here. Still takes a seat.',
};

export function formatMoney(money: Money | null | undefined): string {
  if (!money) return '—';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency }).format(money.amount / 100);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** `2026-03` as "Mar 2026" ("March 2026" when long, "Mar" without the year); months are UTC calendar months. */
export function formatMonth(month: string, { long = false, year = true }: { long?: boolean; year?: boolean } = {}): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(undefined, { month: long ? 'long' : 'short', year: year ? 'numeric' : undefined, timeZone: 'UTC' });
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD'];

/** "49,90" or "49.90" in major units as integer minor units (cents); -1 when it is not a number, so the API names the field. */
export function toMinorUnits(major: string): number {
  const amount = Math.round(Number(major.trim().replace(',', '.')) * 100);
  return Number.isFinite(amount) ? amount : -1;
}

/** A `datetime-local` value ("2026-11-23T09:00"), read in the browser's time zone, as an ISO instant; the raw value when it is not a date. */
export function localDateTimeToIso(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : value;
}

/** The browser's IANA time zone (UTC when it cannot tell). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
