import type { StripeMode } from '@clientele/billing/contracts';
import type { EventCodec } from '@clientele/platform/application';
import { AppError, Decider, ErrorCodes, type FieldError } from '@clientele/platform/core';
import type { EventData, RecordedEvent } from '@clientele/platform/event-store';
import type { PersonalDataCipher } from '@clientele/platform/privacy';
import { randomUUID } from 'node:crypto';

/** An account's Stripe connection: `payments-<accountId>`. */
export const paymentsStream = (accountId: string) => `payments-${accountId}`;

/**
 * The key subject the secrets of connections recorded before keys were per connection were sealed
 * under, in billing's key store (a StripeConnected without `sealedUnder`).
 */
export const stripeSecretsSubject = (accountId: string) => `stripe-${accountId}`;

/**
 * A new key subject for one connection's secrets (`stripe-<accountId>-<random>`), so that shredding
 * it when the connection ends (disconnected, or replaced by other keys) leaves the next connection
 * a key of its own: a key is never destroyed under secrets still in use.
 */
export const newStripeSecretsSubject = (accountId: string) => `${stripeSecretsSubject(accountId)}-${randomUUID()}`;

/** The key subject a recorded StripeConnected's secrets are sealed under (as stored, not decoded). */
export const sealedUnderOf = (data: Record<string, unknown>): string =>
  typeof data.sealedUnder === 'string' ? data.sealedUnder : stripeSecretsSubject(String(data.accountId));

export interface StripeSecrets {
  secretKey: string;
  webhookSecret: string;
}

/**
 * The secrets travel in the decider's events as they are; in the store they are sealed
 * (StripeConnectionCodec), so neither a backup nor a read of the stream shows them.
 */
export type StripeConnectionEvent =
  | { type: 'StripeConnected'; data: { accountId: string; secrets: StripeSecrets; mode: StripeMode; keyHint: string; at: string } }
  | { type: 'StripeDisconnected'; data: { accountId: string; at: string } };

export type StripeConnectionCommand =
  | { type: 'ConnectStripe'; accountId: string; secretKey: string; webhookSecret: string; now: string }
  | { type: 'DisconnectStripe'; accountId: string; now: string };

export type StripeConnectionState =
  | { status: 'none' }
  | { status: 'connected'; secrets: StripeSecrets; mode: StripeMode; keyHint: string; connectedAt: string };

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{8,}$/;

/** Test or live, as the key says (sk_test_…, rk_live_…). */
export const modeOfKey = (secretKey: string): StripeMode => (/^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test');

/** How the settings name a key without showing it: its prefix and last four characters, `sk_test_…1234`. */
export const keyHintOf = (secretKey: string): string => `${/^(sk|rk)_(test|live)_/.exec(secretKey)?.[0] ?? ''}…${secretKey.slice(-4)}`;

/**
 * Refuses (validation_failed, a sentence per field) keys whose form is not Stripe's: a publishable
 * key, a webhook secret in the key's field, a truncated paste. Run before Stripe is asked about the
 * key, so that nothing but a secret key is ever sent to it.
 */
export function refuseMisshapenKeys(keys: { secretKey: string; webhookSecret: string }): void {
  const problems: FieldError[] = [];
  if (/^pk_/.test(keys.secretKey)) {
    problems.push({ field: 'secretKey', message: 'This is a publishable key (pk_…); give the secret key (sk_test_… or sk_live_…) or a restricted key (rk_…) from Stripe’s API keys page.' });
  } else if (!SECRET_KEY.test(keys.secretKey)) {
    problems.push({ field: 'secretKey', message: 'A Stripe secret key starts with sk_test_ or sk_live_ (a restricted key with rk_test_ or rk_live_); copy it from Stripe’s API keys page.' });
  }
  if (!WEBHOOK_SECRET.test(keys.webhookSecret)) {
    problems.push({ field: 'webhookSecret', message: 'A webhook signing secret starts with whsec_; copy it from the endpoint’s page in Stripe’s Webhooks settings.' });
  }
  if (problems.length) throw new AppError(ErrorCodes.validationFailed, 'These are not Stripe keys Clientele can use; see each field.', problems);
}

function connect(command: Extract<StripeConnectionCommand, { type: 'ConnectStripe' }>, state: StripeConnectionState): StripeConnectionEvent[] {
  refuseMisshapenKeys(command);
  // The same keys again: nothing new (a retried request, a second click).
  if (state.status === 'connected' && state.secrets.secretKey === command.secretKey && state.secrets.webhookSecret === command.webhookSecret) return [];
  return [
    {
      type: 'StripeConnected',
      data: {
        accountId: command.accountId,
        secrets: { secretKey: command.secretKey, webhookSecret: command.webhookSecret },
        mode: modeOfKey(command.secretKey),
        keyHint: keyHintOf(command.secretKey),
        at: command.now,
      },
    },
  ];
}

/**
 * An account's Stripe: connecting validates the keys' shapes (Stripe's prefixes), a new connection
 * replaces the keys, and disconnecting forgets them for selling. Both are idempotent.
 */
export const stripeConnectionDecider: Decider<StripeConnectionCommand, StripeConnectionState, StripeConnectionEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'ConnectStripe':
        return connect(command, state);
      case 'DisconnectStripe':
        return state.status === 'connected' ? [{ type: 'StripeDisconnected', data: { accountId: command.accountId, at: command.now } }] : [];
      default: {
        const unknown: never = command;
        throw new Error(`Unknown Stripe connection command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'StripeConnected':
        return { status: 'connected', secrets: event.data.secrets, mode: event.data.mode, keyHint: event.data.keyHint, connectedAt: event.data.at };
      case 'StripeDisconnected':
        return { status: 'none' };
      default:
        return state;
    }
  },
};

/**
 * Seals the secrets of StripeConnected in billing's key store, apart from the events, under a key
 * of that connection's own (`sealedUnder`, stored beside them; connections recorded before had
 * `stripe-<accountId>`). The key is shredded when the connection ends (StripePaymentProviders), and
 * secrets whose key is gone read as a disconnection.
 */
export class StripeConnectionCodec implements EventCodec<StripeConnectionEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: StripeConnectionEvent): Promise<EventData> {
    if (event.type !== 'StripeConnected') return { ...event.data };
    const { secrets, ...rest } = event.data;
    const sealedUnder = newStripeSecretsSubject(event.data.accountId);
    return { ...rest, secrets: await this.cipher.seal(sealedUnder, { ...secrets }), sealedUnder };
  }

  async decode(recorded: RecordedEvent): Promise<StripeConnectionEvent> {
    const data = recorded.data as Record<string, unknown>;
    if (recorded.type !== 'StripeConnected') return { type: recorded.type, data } as unknown as StripeConnectionEvent;
    const { sealedUnder: _sealedUnder, ...rest } = data;
    const accountId = data.accountId as string;
    const secrets = await this.cipher.open<Record<string, unknown>>(sealedUnderOf(data), data.secrets as string);
    if (!secrets) return { type: 'StripeDisconnected', data: { accountId, at: data.at as string } };
    return { type: 'StripeConnected', data: { ...rest, secrets: secrets as unknown as StripeSecrets } } as StripeConnectionEvent;
  }
}
