import { ClientAddedData, ClientEvent, ClientState, EnrolmentPlan, RosterEvent, RosterMemberStatus } from '@clientele/clients/domain';
import { CommandResult, mapConcurrently } from '@clientele/platform/application';
import type { EventMetadata } from '@clientele/platform/event-store';
import type { ClientsContext } from '../clients.context';
import type { SealedNewClient } from '../personal-data';

/*
 * Adding a client, however they arrive (by hand, in an import, by a purchase), takes two steps:
 * 1. the account's roster enrols them: the commit point, where e-mail uniqueness and seats are
 *    decided under optimistic concurrency;
 * 2. the client's own stream starts with ClientAdded, with the status the roster gave them.
 * The personal data is sealed once, before step 1: the roster's event and the client's stream
 * store the same sealed value, and step 2 carries the plaintext along. If the process stops
 * between the two steps, the roster-effects processor completes the enrolment from the roster's
 * event (`completeEnrolment`) with the same command id, so whichever comes second appends nothing.
 */

/** A client on the way in: sealed, with its e-mail keyed for the roster. */
export interface NewClient extends SealedNewClient {
  emailKey: string;
  /** `wait`: with no free seat the client joins the waiting list (purchases); `refuse`: 409 (manual adds, imports). */
  whenFull: 'refuse' | 'wait';
}

export interface Enrolment {
  /** The roster's decision: refused (and why), enrolled, or enrolled before (a retry). */
  plan: EnrolmentPlan;
  /** The start of the client's stream, unless the roster refused the client. */
  added?: CommandResult<ClientState, ClientEvent>;
}

type ClientEnrolled = Extract<RosterEvent, { type: 'ClientEnrolled' }>['data'];

/** Seals the new client's personal data, the one time it is sealed, and keys its e-mail (unless the caller has the key already). */
export async function newClient(context: ClientsContext, client: ClientAddedData, whenFull: NewClient['whenFull'], emailKey?: string): Promise<NewClient> {
  const sealed = await context.codec.sealNewClient(client);
  return { ...sealed, emailKey: emailKey ?? (await context.emailKey(client.accountId, client.email)), whenFull };
}

/**
 * Enrols the clients in one roster append, then starts the streams of those the roster took; the
 * answer has one enrolment per client, in order (none at all for a command whose roster events were
 * found recorded already: nothing was decided again).
 */
export async function enrolNewClients(
  context: ClientsContext,
  accountId: string,
  clients: readonly NewClient[],
  commandId: string,
  metadata: EventMetadata,
): Promise<Enrolment[]> {
  const plans = await context.enrol(
    accountId,
    clients.map(({ client, stored, emailKey, whenFull }) => ({ clientId: client.clientId, emailKey, whenFull, client: stored })),
    commandId,
    metadata,
  );
  return mapConcurrently(plans, 16, async (plan, index): Promise<Enrolment> => {
    if (plan.refusal) return { plan };
    // The roster decided whether the client got a seat or waits for one.
    const status = plan.event?.type === 'ClientEnrolled' ? plan.event.data.status : 'active';
    return { plan, added: await startClientStream(context, clients[index], status, metadata) };
  });
}

/**
 * The processor's half: starts the client's stream from the roster's enrolment when the request
 * that enrolled them did not get to it (unless the client was deleted meanwhile).
 */
export async function completeEnrolment(context: ClientsContext, enrolled: ClientEnrolled, metadata: EventMetadata): Promise<void> {
  // Most often the request started the stream a moment ago: then there is nothing to open.
  if ((await context.loadClient(enrolled.clientId)).status !== 'none') return;
  const sealed = await context.codec.openNewClient(enrolled.client);
  // The key is shredded: the client was deleted.
  if (!sealed) return;
  await startClientStream(context, sealed, enrolled.status, metadata);
}

function startClientStream(context: ClientsContext, sealed: SealedNewClient, status: RosterMemberStatus, metadata: EventMetadata) {
  const client = { ...sealed.client, status };
  return context.changeClient(client.clientId, null, { type: 'AddClient', client }, `add-client:${client.clientId}`, metadata, { sealed });
}
