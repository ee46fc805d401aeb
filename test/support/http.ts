/** A small JSON client for the API tests: answers status, headers and parsed body. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  as(token: string): Api {
    return new Api(this.baseUrl, token);
  }

  get<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.call<T>('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.call<T>('POST', path, body, headers);
  }

  patch<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.call<T>('PATCH', path, body, headers);
  }

  put<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.call<T>('PUT', path, body, headers);
  }

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

let counter = 0;
/** A unique e-mail per call, so suites can share a server. */
export function uniqueEmail(prefix = 'user'): string {
  counter++;
  return `${prefix}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 7)}@example.com`;
}

export const PASSWORD = 'correct horse battery';

export interface Business {
  accountId: string;
  ownerId: string;
  email: string;
  token: string;
  admin: Api;
}

/** Signs a business up and signs its owner in. */
export async function signUp(api: Api, seatLimit: number | null = null): Promise<Business> {
  const email = uniqueEmail('owner');
  const opened = await api.post('/api/v1/accounts', {
    businessName: 'Stone Fitness',
    owner: { firstName: 'Maya', lastName: 'Stone', email, password: PASSWORD },
    seatLimit,
  });
  if (opened.status !== 201) throw new Error(`sign-up failed: ${opened.status} ${JSON.stringify(opened.body)}`);
  const token = await login(api, email);
  return { ...opened.body, email, token, admin: api.as(token) };
}

export async function login(api: Api, email: string, password = PASSWORD): Promise<string> {
  const response = await api.post('/api/v1/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accessToken;
}

export async function addCoach(business: Business, capabilities?: string[]): Promise<{ id: string; email: string; token: string; api: Api }> {
  const email = uniqueEmail('coach');
  const added = await business.admin.post('/api/v1/staff', {
    firstName: 'Cora',
    lastName: 'Coach',
    email,
    password: PASSWORD,
    role: 'coach',
    ...(capabilities ? { capabilities } : {}),
  });
  if (added.status !== 201) throw new Error(`adding a coach failed: ${added.status} ${JSON.stringify(added.body)}`);
  const token = await login(business.admin, email);
  return { id: added.body.id, email, token, api: business.admin.as(token) };
}

export function newClient(overrides: Record<string, unknown> = {}) {
  return { firstName: 'Ada', lastName: 'Lovelace', email: uniqueEmail('client'), type: 'full_access', ...overrides };
}

/** The token of the newest e-mail of this kind to `to` in the dev mailbox, waiting for it to arrive. */
export async function mailToken(api: Api, to: string, kind = 'invitation', timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    const token = mails.body.items.find((m: { kind: string }) => m.kind === kind)?.text.match(/token=([^\s"]+)/)?.[1];
    if (token) return decodeURIComponent(token);
    if (Date.now() > deadline) throw new Error(`no ${kind} mail for ${to} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A client as the roster list shows it (the fields the whole-system suites check). */
export interface ListedClient {
  id: string;
  email: string;
  type: 'full_access' | 'full_access_one_way' | 'offline';
  status: string;
}

/** Every client of the caller's account, page by page (a refused page fails the call). */
export async function listAllClients(api: Api): Promise<ListedClient[]> {
  const all: ListedClient[] = [];
  for (let page = 1; ; page++) {
    const answer = await api.get(`/api/v1/clients?pageSize=100&page=${page}`);
    if (answer.status !== 200) throw new Error(`listing clients: ${answer.status} ${JSON.stringify(answer.body)}`);
    all.push(...answer.body.items);
    if (answer.body.items.length < 100) return all;
  }
}
