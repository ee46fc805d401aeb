import { EventProcessor, domainEvent } from '@clientele/platform/application';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ProgramsEvent } from '@clientele/scheduling/domain';
import type { CalendarCodec } from '../calendar-codec';
import { PROGRAMS, PURCHASES, ProgramDoc, PurchaseDoc, SESSIONS, SessionDoc } from './documents';

const endOf = (start: string, minutes: number) => new Date(Date.parse(start) + minutes * 60_000).toISOString();

/**
 * Sessions (from the coaches' calendars) and programs (from the clients' programs streams). Each
 * document is written whole, guarded by its stream's revision: an event applied twice, or an
 * older one replayed after a newer, changes nothing. KPIs are computed from these documents when
 * they are read, because "upcoming", "expired" and "the last 12 months" depend on the time of the request.
 */
export class SchedulingProjection implements EventProcessor {
  readonly name = 'scheduling_views';
  readonly filter = { streamCategories: ['calendar', 'programs'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: CalendarCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    if (recorded.streamName.startsWith('calendar-')) return this.session(recorded);
    return this.program(recorded);
  }

  private async session(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = await this.codec.decode(recorded);
    const at = recorded.metadata.occurredAt ?? new Date(0).toISOString();
    const version = recorded.revision;
    if (event.type === 'SessionScheduled') {
      const { sessionId, accountId, coachId, clientId, start, durationMinutes, online, location, price, scheduledAt } = event.data;
      const doc: SessionDoc = {
        id: sessionId,
        accountId,
        clientId,
        coachId,
        start,
        end: endOf(start, durationMinutes),
        durationMinutes,
        online,
        location,
        price,
        status: 'scheduled',
        paid: null,
        bundleId: null,
        cancellationReason: null,
        createdAt: scheduledAt,
        updatedAt: scheduledAt,
        version,
      };
      return [{ op: 'upsert', collection: SESSIONS, doc, version }];
    }
    const current = await this.documents.collection<SessionDoc>(SESSIONS).get(event.data.sessionId);
    // Already past this event (a replay), or the session's first event is not applied yet (cannot happen in stream order).
    if (!current || current.version >= version) return [];
    let next: SessionDoc;
    switch (event.type) {
      case 'SessionRescheduled': {
        const { start, durationMinutes, online, location, rescheduledAt } = event.data;
        next = { ...current, start, end: endOf(start, durationMinutes), durationMinutes, online, location, updatedAt: rescheduledAt };
        break;
      }
      case 'SessionCancelled':
        next = { ...current, status: 'cancelled', cancellationReason: event.data.reason, updatedAt: event.data.cancelledAt };
        break;
      case 'SessionCompleted':
        next = { ...current, status: event.data.attended ? 'completed' : 'no_show', updatedAt: event.data.completedAt };
        break;
      case 'SessionCoveredByBundle':
        next = { ...current, bundleId: event.data.bundleId, updatedAt: event.data.coveredAt };
        break;
      case 'SessionPaymentRecorded':
        next = { ...current, paid: { amount: event.data.amount, paidAt: event.data.paidAt, refundedAt: null }, updatedAt: event.data.paidAt };
        break;
      case 'SessionPaymentRefunded':
        next = { ...current, paid: { amount: event.data.amount, paidAt: event.data.paidAt, refundedAt: event.data.refundedAt }, updatedAt: event.data.refundedAt };
        break;
      default:
        next = { ...current, updatedAt: at };
    }
    return [{ op: 'upsert', collection: SESSIONS, doc: { ...next, version }, version }];
  }

  private async program(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = domainEvent<ProgramsEvent>(recorded);
    const version = recorded.revision;
    if (event.type === 'ClientErased') {
      // The client was deleted and their key shredded: what the read model still holds in clear goes too.
      const sessions = await this.documents.collection<SessionDoc>(SESSIONS).find({ clientId: event.data.clientId });
      return sessions.filter((s) => s.location !== null).map((s) => ({ op: 'patch' as const, collection: SESSIONS, id: s.id, set: { location: null } }));
    }
    // Several bundles share one stream: each document carries the stream revision of its last change.
    if (event.type === 'BundleCreated') {
      const { bundleId, accountId, clientId, name, sessions, price, productId, expiresAt, createdAt } = event.data;
      const existing = await this.documents.collection<ProgramDoc>(PROGRAMS).get(bundleId);
      if (existing && existing.version >= version) return [];
      const purchaseId = event.data.purchaseId ?? null;
      // A session pack sold at checkout was paid then: the decider appends its BundlePaymentRecorded
      // in the same append. This commit shows it paid already, so no reader ever sees the bundle of a
      // finished purchase as pending between the two events' commits; the payment event then writes
      // the same values again.
      const paidAtCheckout = purchaseId && price.amount > 0 ? { amount: price, paidAt: createdAt, refundedAt: null } : null;
      const doc: ProgramDoc = { id: bundleId, accountId, clientId, name, sessions, used: 0, price, productId, purchaseId, expiresAt, createdAt, usedUpAt: null, paid: paidAtCheckout, version };
      if (!purchaseId) return [{ op: 'upsert', collection: PROGRAMS, doc, version }];
      // The purchase behind a session pack: where a refund of that purchase finds its client.
      const purchase: PurchaseDoc = {
        id: purchaseId,
        accountId,
        clientId,
        bundleId,
        productId: productId ?? '',
        productName: name,
        paid: { amount: price, paidAt: createdAt, refundedAt: null },
        version,
      };
      return [
        { op: 'upsert', collection: PROGRAMS, doc, version },
        { op: 'upsert', collection: PURCHASES, doc: purchase, version },
      ];
    }
    if (event.type === 'ProductPaymentRecorded') {
      const { purchaseId, accountId, clientId, productId, productName, amount, paidAt } = event.data;
      const existing = await this.documents.collection<PurchaseDoc>(PURCHASES).get(purchaseId);
      if (existing && existing.version >= version) return [];
      const doc: PurchaseDoc = { id: purchaseId, accountId, clientId, bundleId: null, productId, productName, paid: { amount, paidAt, refundedAt: null }, version };
      return [{ op: 'upsert', collection: PURCHASES, doc, version }];
    }
    if (event.type === 'PurchaseRefundRecorded') return this.purchaseRefund(event.data, version);
    const current = await this.documents.collection<ProgramDoc>(PROGRAMS).get(event.data.bundleId);
    if (!current || current.version >= version) return [];
    let next: ProgramDoc;
    switch (event.type) {
      case 'BundleSessionConsumed':
        next = { ...current, used: current.sessions - event.data.remaining };
        break;
      case 'BundleUsedUp':
        next = { ...current, usedUpAt: event.data.usedUpAt };
        break;
      case 'BundlePaymentRecorded':
        next = { ...current, paid: { amount: event.data.amount, paidAt: event.data.paidAt, refundedAt: null } };
        break;
      case 'BundlePaymentRefunded':
        next = { ...current, paid: { amount: event.data.amount, paidAt: event.data.paidAt, refundedAt: event.data.refundedAt } };
        break;
    }
    return [{ op: 'upsert', collection: PROGRAMS, doc: { ...next, version }, version }];
  }

  /** Money went back on a purchase: on its row, and on its bundle's payment for a session pack. */
  private async purchaseRefund(data: Extract<ProgramsEvent, { type: 'PurchaseRefundRecorded' }>['data'], version: number): Promise<WriteOp[]> {
    const refund = (paid: NonNullable<ProgramDoc['paid']>) => ({ ...paid, refunded: data.refundedTotal, refundedAt: data.refundedAt });
    const ops: WriteOp[] = [];
    const purchase = await this.documents.collection<PurchaseDoc>(PURCHASES).get(data.purchaseId);
    if (purchase && purchase.version < version) ops.push({ op: 'upsert', collection: PURCHASES, doc: { ...purchase, paid: refund(purchase.paid), version }, version });
    if (data.bundleId) {
      const bundle = await this.documents.collection<ProgramDoc>(PROGRAMS).get(data.bundleId);
      if (bundle?.paid && bundle.version < version) ops.push({ op: 'upsert', collection: PROGRAMS, doc: { ...bundle, paid: refund(bundle.paid), version }, version });
    }
    return ops;
  }
}
