import { BillingSubjects, type PurchaseView } from '@clientele/billing/contracts';
import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import {
  CommandResult,
  EventProcessor,
  OutboxRelay,
  ProcessorRunner,
  commandIdFor,
  commandMetadata,
  domainEvent,
  handleAndWait,
  handleCommand,
  metadataCausedBy,
  processorOptions,
  toIntegrationEvent,
  type ProcessorHosting,
} from '@clientele/platform/application';
import { requireStaff, type EventBus, type IntegrationEvent, type RequestActor, type RequestClient, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Money } from '@clientele/platform/core';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventMetadata, EventStore, GlobalPosition, RecordedEvent } from '@clientele/platform/event-store';
import { ProgramView, SchedulingEvents, SessionScheduledEventData, SessionView } from '@clientele/scheduling/contracts';
import {
  CalendarCommand,
  CalendarEvent,
  CalendarState,
  ProgramsCommand,
  ProgramsEvent,
  ProgramsState,
  SchedulingErrors,
  calendarDecider,
  programsDecider,
} from '@clientele/scheduling/domain';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { CalendarCodec } from './calendar-codec';
import { PROGRAMS, ProgramDoc, SESSIONS, SessionDoc, toProgramView, toSessionView } from './read-models/documents';
import { SchedulingProjection } from './read-models/scheduling.projection';

export interface SchedulingDeps extends ProcessorHosting {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  requests: RequestClient;
}

export const calendarStream = (coachId: string) => `calendar-${coachId}`;
export const programsStream = (clientId: string) => `programs-${clientId}`;

export function schedulingIntegrationEvent(recorded: RecordedEvent): IntegrationEvent | null {
  if (recorded.type !== 'SessionScheduled') return null;
  const { sessionId, accountId, coachId, clientId, start } = domainEvent<Extract<CalendarEvent, { type: 'SessionScheduled' }>>(recorded).data;
  const data: SessionScheduledEventData = { sessionId, accountId, coachId, clientId, start };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, SchedulingEvents.sessionScheduled, { ...data });
}

/**
 * Completing a session consumes one session of the client's active bundle, and marks the session
 * as covered by that bundle. The completing request does both right away; this processor covers a
 * crash in between or after. The programs decider consumes a session at most once and the calendar
 * marks it covered once, so whichever comes second changes nothing.
 */
export class BundleConsumption implements EventProcessor {
  readonly name = 'scheduling_bundle_consumption';
  readonly filter = { streamCategories: ['calendar'], eventTypes: ['SessionCompleted'] };

  constructor(private readonly scheduling: () => Scheduling) {}

  async handle(recorded: RecordedEvent): Promise<[]> {
    const event = domainEvent<Extract<CalendarEvent, { type: 'SessionCompleted' }>>(recorded);
    const coachId = recorded.streamName.slice('calendar-'.length);
    await this.scheduling().consumeBundleSession(coachId, event.data, metadataCausedBy(recorded));
    return [];
  }
}

/** Everything the use cases share: the two kinds of stream, authorization, read-your-writes. */
export class Scheduling {
  readonly views: ProcessorRunner;
  readonly consumption: ProcessorRunner;
  readonly outbox: ProcessorRunner;
  /** Seals a session's location with the client's key. */
  readonly codec: CalendarCodec;

  constructor(readonly deps: SchedulingDeps) {
    const options = processorOptions('scheduling', deps);
    this.codec = new CalendarCodec(new PersonalDataCipher(new KeyStore(deps.keys)));
    this.views = new ProcessorRunner(deps.events, deps.documents, new SchedulingProjection(deps.documents, this.codec), options);
    this.consumption = new ProcessorRunner(deps.events, deps.documents, new BundleConsumption(() => this), options);
    this.outbox = new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, schedulingIntegrationEvent, 'scheduling_outbox'), options);
  }

  get runners(): ProcessorRunner[] {
    return [this.views, this.consumption, this.outbox];
  }

  calendar(coachId: string, command: CalendarCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<CalendarState, CalendarEvent>> {
    return handleCommand(this.deps.events, calendarStream(coachId), calendarDecider, command, { commandId, metadata }, { maxRetries: 20, codec: this.codec });
  }

  programs(clientId: string, command: ProgramsCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<ProgramsState, ProgramsEvent>> {
    return handleCommand(this.deps.events, programsStream(clientId), programsDecider, command, { commandId, metadata }, { maxRetries: 20 });
  }

  /**
   * Takes a completed session from the client's oldest active bundle and marks the session covered
   * by it. A session paid on its own before it was completed takes nothing. Returns the last
   * position written (null: nothing to write).
   */
  async consumeBundleSession(
    coachId: string,
    data: { sessionId: string; clientId: string; accountId: string; start: string; prepaid?: boolean },
    metadata: EventMetadata,
  ): Promise<GlobalPosition | null> {
    if (data.prepaid) return null;
    const now = new Date().toISOString();
    const consumed = await this.programs(
      data.clientId,
      { type: 'ConsumeSession', clientId: data.clientId, accountId: data.accountId, sessionId: data.sessionId, sessionStart: data.start, metadata: { now } },
      `consume:${data.sessionId}`,
      metadata,
    );
    const bundleId = consumed.state.consumed[data.sessionId];
    if (!bundleId) return consumed.position;
    const covered = await this.calendar(coachId, { type: 'CoverSession', sessionId: data.sessionId, bundleId, metadata: { now } }, `cover:${data.sessionId}`, metadata);
    return covered.position ?? consumed.position;
  }

  /**
   * Records what went back on a purchase of the client's (billing's cumulative total), once: the
   * command id names the total, and the decider records only a total above the one it knows.
   */
  recordPurchaseRefund(
    purchase: { purchaseId: string; clientId: string; accountId: string },
    refunded: { refundedTotal: Money; refundedAt: string },
    metadata: EventMetadata,
  ): Promise<CommandResult<ProgramsState, ProgramsEvent>> {
    const { purchaseId, clientId, accountId } = purchase;
    return this.programs(
      clientId,
      { type: 'RecordPurchaseRefund', purchaseId, clientId, accountId, refundedTotal: refunded.refundedTotal, refundedAt: refunded.refundedAt, metadata: { now: new Date().toISOString() } },
      `purchase-refund:${purchaseId}:${refunded.refundedTotal.amount}`,
      metadata,
    );
  }

  /** A purchase as billing holds it now (its events, not a read model): what went back so far. */
  purchase(purchaseId: string, correlationId?: string): Promise<PurchaseView> {
    return this.deps.requests.request<PurchaseView>(BillingSubjects.getPurchase, { correlationId, data: { purchaseId } });
  }

  /** The client as the roster knows it now (a deleted client is not found). */
  async contact(clientId: string, correlationId?: string): Promise<ClientContactView | null> {
    try {
      return await this.deps.requests.request<ClientContactView>(ClientsSubjects.getContact, { correlationId, data: { clientId } });
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) return null;
      throw error;
    }
  }

  /** Whether this coach leads any session with the client (then the coach sees the client). */
  async hasSessionWith(coachId: string, clientId: string): Promise<boolean> {
    return (await this.deps.documents.collection<SessionDoc>(SESSIONS).count({ clientId, coachId })) > 0;
  }

  /**
   * A client the actor may see: an admin the whole account; a coach the clients assigned to them
   * and those they have a session with. Anything else (another account, another coach's client, a
   * deleted client) is not found.
   */
  async visibleClient(actor: RequestActor, clientId: string, correlationId?: string): Promise<ClientContactView> {
    const contact = await this.contact(clientId, correlationId);
    if (!contact || contact.accountId !== actor.accountId) throw clientNotFound();
    if (actor.role === 'coach' && contact.coachId !== actor.id && !(await this.hasSessionWith(actor.id, clientId))) throw clientNotFound();
    return contact;
  }

  /** A session the actor may act on: an admin any of the account; a coach those they lead or of clients assigned to them. */
  async visibleSession(actor: RequestActor, sessionId: string, correlationId?: string): Promise<SessionDoc> {
    const doc = await this.deps.documents.collection<SessionDoc>(SESSIONS).get(sessionId);
    if (!doc || doc.accountId !== actor.accountId) throw sessionNotFound();
    if (actor.role === 'coach' && doc.coachId !== actor.id) {
      const contact = await this.contact(doc.clientId, correlationId);
      if (!contact || contact.coachId !== actor.id) throw sessionNotFound();
    }
    return doc;
  }

  /** A session as the read model holds it now (after a change: once the views have caught up). */
  async sessionView(sessionId: string): Promise<SessionView> {
    const doc = await this.deps.documents.collection<SessionDoc>(SESSIONS).get(sessionId);
    if (!doc) throw sessionNotFound();
    return toSessionView(doc);
  }

  /**
   * Changes one bundle of a client the actor sees (a bundle of another client or account is not
   * found), and answers the bundle as the read model holds it then.
   */
  async changeBundle(envelope: RequestEnvelope<{ clientId: string; programId: string }>, command: ProgramsCommand, idempotencyPrefix: string): Promise<ProgramView> {
    const actor = requireStaff(envelope.actor);
    const { clientId, programId } = envelope.data;
    await this.visibleClient(actor, clientId, envelope.correlationId);
    const programs = this.deps.documents.collection<ProgramDoc>(PROGRAMS);
    const existing = await programs.get(programId);
    if (!existing || existing.clientId !== clientId || existing.accountId !== actor.accountId) throw programNotFound();
    await handleAndWait(this.programs(clientId, command, commandIdFor(envelope, (key) => `${idempotencyPrefix}:${key}`), commandMetadata(envelope, actor)), this.views);
    const doc = await programs.get(programId);
    if (!doc) throw programNotFound();
    return toProgramView(doc, new Date());
  }
}

export function clientNotFound(): AppError {
  return new AppError(ErrorCodes.notFound, 'No client with this id.');
}

export function sessionNotFound(): AppError {
  return SchedulingErrors.sessionNotFound();
}

export function programNotFound(): AppError {
  return SchedulingErrors.clientProgramNotFound();
}
