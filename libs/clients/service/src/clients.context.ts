import { ClientProfile } from '@clientele/clients/contracts';
import {
  ClientCommand,
  ClientEvent,
  ClientState,
  EnrolmentPlan,
  EnrolmentRequest,
  ExistingClient,
  RosterState,
  clientDecider,
  clientExists,
  freeSeats,
  rosterDecider,
  rosterEnrolmentDecider,
} from '@clientele/clients/domain';
import { IdentitySubjects, type AccountView, type SeatLimitEventData } from '@clientele/identity/contracts';
import { CommandResult, ReadModel, StreamStateCache, commandMetadata, handleCommand, readState } from '@clientele/platform/application';
import type { RequestActor } from '@clientele/platform/bus';
import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';
import type { EventMetadata } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { canSee } from './authorization';
import { ClientsDeps, ClientsProcessors } from './clients.deps';
import { ClientEventCodec, SealedNewClient } from './personal-data';
import { CLIENTS, ClientDoc, toProfile } from './read-models/client-doc';
import { SessionLinks } from './read-models/session-links';
import { clientStream, rosterStream } from './streams';

/**
 * What every use case of the clients service works with: the client and roster streams (personal
 * data sealed on the way in), the account's seat limit, and read-your-writes on the read models.
 */
/** How long a full roster waits for identity's seat limit before deciding on the one it has: well inside a request's time. */
const ASK_IDENTITY_FOR_LIMIT_MS = 1000;

export class ClientsContext {
  readonly cipher: PersonalDataCipher;
  readonly codec: ClientEventCodec;
  /** Coaches who have a session with a client see it too (read-only routes). */
  readonly sessionLinks: SessionLinks;
  /** Bounded by entries and bytes (issue 17): a roster of n clients is about 300 bytes a client. */
  private readonly rosterCache = new StreamStateCache<RosterState>({
    maxEntries: 1000,
    maxBytes: 64 * 1024 * 1024,
    sizeOf: (state) => 512 + 300 * (state.active + state.waiting.length),
  });
  /**
   * Client states are small (no note bodies, no history): caching them lets a command on a client
   * with a long stream (a thousand notes) read only what was appended since, and its lock makes
   * commands on one client take turns in this process instead of racing to a concurrency conflict.
   */
  private readonly clientCache = new StreamStateCache<ClientState>({
    maxEntries: 10_000,
    maxBytes: 16 * 1024 * 1024,
    sizeOf: (state) => 1024 + 64 * (clientExists(state) ? state.purchaseIds.length : 0),
  });
  private readonly limitKnown = new Set<string>();

  constructor(
    readonly deps: ClientsDeps,
    private readonly processors: () => ClientsProcessors,
  ) {
    this.cipher = new PersonalDataCipher(new KeyStore(deps.keys));
    this.codec = new ClientEventCodec(this.cipher);
    this.sessionLinks = new SessionLinks(deps.documents);
  }

  /** E-mails compare trimmed and case-insensitively, as a keyed hash per account. */
  emailKey(accountId: string, email: string): Promise<string> {
    return this.cipher.blindIndex(`account-${accountId}`, email.trim().toLowerCase());
  }

  /**
   * Runs a command on a client the actor may see; anything else is not found. Commands on one
   * client take turns in this process (no conflicts among themselves; another process's append is
   * still caught by the expected revision and retried). `fresh`: the command id was made for this
   * very call (a new uuid), so no earlier run can have appended its events and the cached state
   * may be used; a command id that can repeat (a redelivered message, an Idempotency-Key) is
   * checked against the whole stream, as the decider alone would not recognise its retry.
   * `precondition`: what must still hold of the client when the command's turn comes (it throws if not).
   * `sealed`: the new client whose stream this command starts, its personal data sealed already.
   */
  changeClient(
    clientId: string,
    actor: RequestActor | null,
    command: ClientCommand,
    commandId: string,
    metadata: EventMetadata,
    options: { fresh?: boolean; precondition?: (state: ExistingClient) => void; sealed?: SealedNewClient } = {},
  ): Promise<CommandResult<ClientState, ClientEvent>> {
    const { precondition } = options;
    const decider: Decider<ClientCommand, ClientState, ClientEvent> =
      actor || precondition
        ? {
            ...clientDecider,
            decide: (cmd, state) => {
              if (actor && clientExists(state) && !canSee(actor, state)) throw notFound();
              if (precondition && clientExists(state)) precondition(state);
              return clientDecider.decide(cmd, state);
            },
          }
        : clientDecider;
    const stream = clientStream(clientId);
    const codec = options.sealed ? this.codec.startingWith(options.sealed) : this.codec;
    if (options.fresh) {
      // A retry of a fresh command reads only what another process appended since, so it can afford many (as the roster does).
      return handleCommand(this.deps.events, stream, decider, command, { commandId, metadata }, { codec, maxRetries: 100, cache: this.clientCache }).finally(() =>
        this.forgetIfDeleted(stream),
      );
    }
    return this.clientCache.withLock(stream, async () => {
      try {
        const result = await handleCommand(this.deps.events, stream, decider, command, { commandId, metadata }, { codec, maxRetries: 10 });
        if (result.revision >= 0) this.clientCache.set(stream, { state: result.state, revision: result.revision, position: result.position });
        return result;
      } finally {
        this.forgetIfDeleted(stream);
      }
    });
  }

  /** A deleted client's contact details are not kept in memory (erasure); its stream answers not found without them. */
  private forgetIfDeleted(stream: string): void {
    if (this.clientCache.get(stream)?.state.status === 'deleted') this.clientCache.forget(stream);
  }

  /** The client's current state: the cached fold plus what was appended since (never the note bodies of a long stream again). */
  async loadClient(clientId: string): Promise<ClientState> {
    const stream = clientStream(clientId);
    const cached = this.clientCache.get(stream);
    const history = await this.deps.events.readStream(stream, cached ? { fromRevision: cached.revision + 1 } : undefined);
    const events = await Promise.all(history.map((e) => this.codec.decode(e)));
    const state = events.reduce((folded, event) => clientDecider.evolve(folded, event), cached?.state ?? clientDecider.initialState());
    if (history.length && state.status !== 'deleted') this.clientCache.set(stream, { state, revision: history[history.length - 1].revision, position: history[history.length - 1].position });
    return state;
  }

  async rosterState(accountId: string): Promise<RosterState> {
    await this.ensureSeatLimitKnown(accountId);
    return this.readRoster(accountId);
  }

  /** The roster's current state, through the cache (reads only what was appended since). */
  private async readRoster(accountId: string): Promise<RosterState> {
    return (await readState(this.deps.events, rosterStream(accountId), rosterDecider, { cache: this.rosterCache })).state;
  }

  /** Decides a batch of enrolments on the account's roster (one append) and says why any was refused. */
  async enrol(accountId: string, enrolments: EnrolmentRequest[], commandId: string, metadata: EventMetadata): Promise<EnrolmentPlan[]> {
    await this.ensureSeatLimitKnown(accountId, metadata.correlationId);
    await this.refreshSeatLimitWhenFull(accountId, enrolments, metadata.correlationId);
    const { result: plans, events } = await handleCommand(
      this.deps.events,
      rosterStream(accountId),
      rosterEnrolmentDecider,
      { type: 'EnrolClients', enrolments },
      { commandId, metadata },
      { cache: this.rosterCache, maxRetries: 100 },
    );
    if (plans) return plans;
    // A retry of a command handled before (its events found, nothing decided again): each client
    // it enrolled then is enrolled, by the event of that run. One it did not enrol was refused
    // then, and is refused again as what the roster now says of it (its e-mail or seat taken).
    return enrolments.map((enrolment) => {
      const event = events.find((earlier) => 'clientId' in earlier.data && earlier.data.clientId === enrolment.clientId);
      return event
        ? { clientId: enrolment.clientId, event }
        : { clientId: enrolment.clientId, refusal: new AppError(ErrorCodes.concurrencyConflict, 'This client was refused when the request was first sent; send it again with a new Idempotency-Key.') };
    });
  }

  roster(accountId: string, command: Exclude<Parameters<typeof rosterDecider.decide>[0], { type: 'EnrolClients' }>, commandId: string, metadata: EventMetadata) {
    return handleCommand(this.deps.events, rosterStream(accountId), rosterDecider, command, { commandId, metadata }, { cache: this.rosterCache, maxRetries: 100 });
  }

  /**
   * The roster keeps its own copy of the account's seat limit, from identity's events, and asks
   * identity directly the first time it needs it, so a client can be added the moment the account
   * exists. Both record the limit with the account's version; the newest version wins.
   */
  async ensureSeatLimitKnown(accountId: string, correlationId?: string): Promise<void> {
    if (this.limitKnown.has(accountId)) return;
    if ((await this.readRoster(accountId)).limit.status === 'unknown') await this.recordSeatLimit(await this.seatLimitOfIdentity(accountId, correlationId), correlationId);
    this.limitKnown.add(accountId);
  }

  /**
   * Before the roster turns anyone away (or puts a buyer on the waiting list) for want of a seat, it
   * asks identity for the account's limit: an admin who has just raised it must not be refused while
   * identity's event is still on its way. Only a roster without room for the clients not on it yet
   * asks, so an account with free seats (or a retried request) costs no extra request; an older
   * version than the roster's changes nothing. The roster as this process last folded it is enough
   * to tell (no read, no lock on the add path): it can only miss what another replica appended
   * since, and then the roster refuses as it always did.
   */
  private async refreshSeatLimitWhenFull(accountId: string, enrolments: readonly EnrolmentRequest[], correlationId?: string): Promise<void> {
    const { limit, active, members } = this.rosterCache.get(rosterStream(accountId))?.state ?? (await this.readRoster(accountId));
    const arriving = enrolments.filter((enrolment) => !members[enrolment.clientId]).length;
    if (limit.status !== 'known' || freeSeats(limit.seatLimit, active) >= arriving) return;
    let current: SeatLimitEventData;
    try {
      current = await this.seatLimitOfIdentity(accountId, correlationId, ASK_IDENTITY_FOR_LIMIT_MS);
    } catch {
      // Best effort: without identity the roster decides on the limit it heard of, as it always did
      // (a 409, or the waiting list), rather than fail the request; identity's event brings the new limit.
      return;
    }
    await this.recordSeatLimit(current, correlationId);
  }

  /** The account's seat limit as identity has it now, with the account version that set it. */
  private async seatLimitOfIdentity(accountId: string, correlationId?: string, timeoutMs?: number): Promise<SeatLimitEventData> {
    const account = await this.deps.requests.request<AccountView>(IdentitySubjects.getAccount, { correlationId, data: { accountId } }, { timeoutMs });
    return { accountId, seatLimit: account.seatLimit, version: account.version };
  }

  async recordSeatLimit(data: SeatLimitEventData, correlationId?: string): Promise<void> {
    await this.roster(
      data.accountId,
      { type: 'SetSeatLimit', accountId: data.accountId, seatLimit: data.seatLimit, accountVersion: data.version },
      `seat-limit:${data.accountId}:${data.version}`,
      commandMetadata({ correlationId }, { id: 'identity', role: 'system', accountId: data.accountId }),
    );
  }

  /** The read models the requests answer from: wait for them (`handleAndWait`) to read your writes. */
  get views(): ReadModel {
    return this.processors().views;
  }

  async profile(clientId: string): Promise<ClientProfile> {
    const doc = await this.deps.documents.collection<ClientDoc>(CLIENTS).get(clientId);
    if (!doc) throw notFound();
    return toProfile(doc);
  }
}

export function notFound(): AppError {
  return new AppError(ErrorCodes.notFound, 'No client with this id.');
}
