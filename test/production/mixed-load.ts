import { randomUUID } from 'node:crypto';
import { Operation, sleep, untilAcknowledged } from '../support/faults-load';
import { Api, ApiResponse, Business, newClient, uniqueEmail } from '../support/http';

/**
 * The rehearsal's load: what a busy business does, as a careful client does it. Every command
 * carries an Idempotency-Key, and an attempt that failed (503, or no answer) is sent again with the
 * same key until it is acknowledged, never knowing whether the failed attempt had an effect.
 *
 * Each worker starts an iteration every `iterationMs` (at most `maxInFlight` at once): a client
 * added, its type changed and, when its new type allows it, a message sent to it; a purchase; and
 * now and then three offline clients added and moved to another type in one bulk change. One CSV
 * import runs when the test asks for it. Every command records the mails it calls for, by address
 * and kind, so that the mailbox can be judged exactly.
 */
export type ClientType = 'full_access' | 'full_access_one_way' | 'offline';
export type MailKind = 'invitation' | 'new_message';

/** What each added client goes through, and the invitations that calls for. */
export const VARIANTS: ReadonlyArray<{ type: ClientType; sendInvitation?: boolean; changeTo: ClientType; invitedOnAdd: boolean; invitedOnChange: boolean }> = [
  { type: 'full_access', changeTo: 'full_access_one_way', invitedOnAdd: true, invitedOnChange: false }, // then only the messaging policy changes
  { type: 'offline', changeTo: 'full_access', invitedOnAdd: false, invitedOnChange: true }, // never had access: invited when leaving offline
  { type: 'full_access_one_way', sendInvitation: false, changeTo: 'offline', invitedOnAdd: false, invitedOnChange: false },
  { type: 'full_access_one_way', changeTo: 'full_access', invitedOnAdd: true, invitedOnChange: false },
];

/** The bulk change's clients: added offline, then all moved to this type (each is invited then). */
export const BULK_SIZE = 3;
export const BULK_TO: ClientType = 'full_access_one_way';

export interface LoadOp extends Operation {
  kind: 'add' | 'change' | 'message' | 'checkout' | 'bulk' | 'import';
  /** The addresses the command concerns: the client's, the buyer's; a bulk change's or an import's clients'. */
  emails: string[];
  /** The mails this command calls for. */
  mails: Array<{ to: string; kind: MailKind }>;
  variant?: number;
  clientId?: string;
  /** A bulk change's clients. */
  clientIds?: string[];
  to?: ClientType;
  /** An import's rows, in the file's order. */
  rows?: Array<{ email: string; row: number }>;
}

export interface LoadOptions {
  workers: number;
  iterationMs: number;
  maxInFlight: number;
  /** A request without an answer after this long counts as hung (status 0) and is retried. */
  hangMs: number;
  retryDelayMs: number;
}

export class MixedLoad {
  readonly ops: LoadOp[] = [];
  private loading = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private readonly running: Array<Promise<unknown>> = [];
  /** Bulk changes and imports under way, and whether new ones wait (see `holdLongCommands`). */
  private readonly longInFlight = new Set<Promise<unknown>>();
  private longHeld: Promise<void> | null = null;
  private releaseLong: (() => void) | null = null;

  constructor(
    private readonly api: Api,
    private readonly business: Business,
    private readonly productId: string,
    private readonly options: LoadOptions,
  ) {}

  get acknowledged(): LoadOp[] {
    return this.ops.filter((o) => o.acknowledged);
  }

  start(): void {
    this.loading = true;
    for (let w = 0; w < this.options.workers; w++) this.running.push(this.worker(w));
  }

  /** Stops starting iterations; what is under way is retried for at most `graceMs` more. */
  async stop(graceMs: number): Promise<void> {
    this.loading = false;
    this.releaseLongCommands();
    this.giveUpAt = Date.now() + graceMs;
    await Promise.all(this.running);
  }

  /**
   * Until `releaseLongCommands`: no bulk change or import starts, and this resolves once those
   * under way have answered. The gateway waits up to 120 s (bulk) and 60 s (an import's chunk)
   * for its answer, so one whose reply dies with a replica or a NATS node is answered only after
   * that long (a 503 then); the faults are injected between such commands, which run again
   * while the part is down.
   */
  async holdLongCommands(): Promise<void> {
    this.longHeld ??= new Promise<void>((release) => (this.releaseLong = release));
    while (this.longInFlight.size) await Promise.allSettled([...this.longInFlight]);
  }

  releaseLongCommands(): void {
    this.releaseLong?.();
    this.longHeld = null;
    this.releaseLong = null;
  }

  private async long<T>(work: () => Promise<T>): Promise<T> {
    while (this.longHeld) await this.longHeld;
    const running = work();
    this.longInFlight.add(running);
    try {
      return await running;
    } finally {
      this.longInFlight.delete(running);
    }
  }

  /** A CSV import of `count` full-access clients (each invited), retried with its key like every command. */
  importClients(count: number): Promise<LoadOp> {
    const rows = Array.from({ length: count }, (_, i) => ({ email: uniqueEmail(`imported${i}`), row: i + 2 })); // row 1 is the header
    const csv = ['firstName,lastName,email,phone,type', ...rows.map((r, i) => `Ivy,Import${i},${r.email},,full_access`)].join('\n');
    const op = this.long(() =>
      this.run({ kind: 'import', emails: rows.map((r) => r.email), mails: rows.map((r) => ({ to: r.email, kind: 'invitation' as const })), rows }, (key) =>
        this.business.admin.post('/api/v1/clients/import', csv, { 'content-type': 'text/csv', 'idempotency-key': key }),
      ),
    );
    this.running.push(op);
    return op;
  }

  private async run(op: Pick<LoadOp, 'kind'> & Omit<LoadOp, keyof Operation>, call: (key: string) => Promise<ApiResponse>): Promise<LoadOp> {
    const key = randomUUID();
    const outcome = await untilAcknowledged(op.kind, key, () => call(key), {
      hangMs: this.options.hangMs,
      retryDelayMs: this.options.retryDelayMs,
      giveUp: () => Date.now() > this.giveUpAt,
    });
    const recorded = Object.assign(outcome, op) as LoadOp;
    this.ops.push(recorded);
    return recorded;
  }

  private async worker(w: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; this.loading; i++) {
      while (inFlight.size >= this.options.maxInFlight) await Promise.race(inFlight);
      if (!this.loading) break;
      const task: Promise<void> = this.iteration(w, i).finally(() => inFlight.delete(task));
      inFlight.add(task);
      await sleep(this.options.iterationMs);
    }
    await Promise.all(inFlight);
  }

  private async iteration(w: number, i: number): Promise<void> {
    const n = i * this.options.workers + w;
    await Promise.all([this.clientLife(n), this.checkout(w), w === 0 && i % 4 === 1 ? this.bulkChange() : undefined]);
  }

  /** Add, change the type, and write to the client if the new type lets the coach do so. */
  private async clientLife(n: number): Promise<void> {
    const variant = n % VARIANTS.length;
    const { type, sendInvitation, changeTo, invitedOnAdd, invitedOnChange } = VARIANTS[variant];
    const client = newClient({ type, lastName: `Load${n}`, ...(sendInvitation === undefined ? {} : { sendInvitation }) });
    const invitation = [{ to: client.email, kind: 'invitation' as const }];
    const added = await this.run({ kind: 'add', emails: [client.email], mails: invitedOnAdd ? invitation : [], variant }, (key) =>
      this.business.admin.post('/api/v1/clients', client, { 'idempotency-key': key }),
    );
    if (!added.acknowledged) return;
    const clientId = added.acknowledged.body.id as string;
    added.clientId = clientId;
    const changed = await this.run({ kind: 'change', emails: [client.email], mails: invitedOnChange ? invitation : [], variant, clientId, to: changeTo }, (key) =>
      this.business.admin.put(`/api/v1/clients/${clientId}/type`, { type: changeTo }, { 'idempotency-key': key }),
    );
    if (!changed.acknowledged || changeTo === 'offline') return;
    // One message per client: its "new message" mail is never throttled away.
    await this.run({ kind: 'message', emails: [client.email], mails: [{ to: client.email, kind: 'new_message' }], clientId }, (key) =>
      this.business.admin.post(`/api/v1/clients/${clientId}/messages`, { body: `Welcome aboard, ${n}` }, { 'idempotency-key': key }),
    );
  }

  private checkout(w: number): Promise<LoadOp> {
    const buyer = uniqueEmail(`buyer${w}`);
    return this.run({ kind: 'checkout', emails: [buyer], mails: [{ to: buyer, kind: 'invitation' }] }, (key) =>
      this.api.post('/api/v1/checkout', { productId: this.productId, buyer: { firstName: 'Kim', lastName: 'Buyer', email: buyer } }, { 'idempotency-key': key }),
    );
  }

  private async bulkChange(): Promise<void> {
    const members = await Promise.all(
      Array.from({ length: BULK_SIZE }, async (_, m) => {
        const client = newClient({ type: 'offline', lastName: `Bulk${m}` });
        const added = await this.run({ kind: 'add', emails: [client.email], mails: [] }, (key) => this.business.admin.post('/api/v1/clients', client, { 'idempotency-key': key }));
        if (added.acknowledged) added.clientId = added.acknowledged.body.id as string;
        return added;
      }),
    );
    const acknowledged = members.filter((m) => m.acknowledged);
    if (acknowledged.length === 0) return;
    const clientIds = acknowledged.map((m) => m.clientId!);
    const emails = acknowledged.map((m) => m.emails[0]);
    await this.long(() => this.run({ kind: 'bulk', emails, mails: emails.map((to) => ({ to, kind: 'invitation' as const })), clientIds, to: BULK_TO }, async (key) => {
      const answer = await this.business.admin.post('/api/v1/clients/bulk/type', { clientIds, type: BULK_TO }, { 'idempotency-key': key });
      // A 200 that names clients the service could not reach is a partial answer: a careful client
      // sends the same request again (same key: the changed ones are not changed twice). It counts
      // as a failed attempt, as a 503 would.
      const unavailable = answer.status === 200 ? (answer.body.results as Array<{ outcome: string; error?: { code: string } }>).filter((r) => r.outcome === 'failed') : [];
      if (unavailable.length && unavailable.every((r) => r.error?.code === 'unavailable')) {
        return { status: 503, headers: new Headers({ 'content-type': 'application/problem+json' }), body: { code: 'unavailable', detail: `bulk change: ${unavailable.length} clients unavailable` } };
      }
      return answer;
    }));
  }
}
