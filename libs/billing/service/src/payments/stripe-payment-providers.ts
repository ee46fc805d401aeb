import { BillingErrors, type PaymentsSettings } from '@clientele/billing/contracts';
import { handleCommand, type CommandResult } from '@clientele/platform/application';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { CompletedImmediately, PaymentProvider, PaymentProviders } from './payment-provider';
import {
  StripeConnectionCodec,
  StripeConnectionCommand,
  StripeConnectionEvent,
  StripeConnectionState,
  paymentsStream,
  stripeConnectionDecider,
} from './stripe-connection';
import { StripeClientOptions, StripeProvider } from './stripe-provider';

export interface StripePaymentsDeps {
  events: EventStore;
  /** Billing's key store: the secrets' key lives there, apart from the events. */
  keys: DocumentStore;
  logger: JsonLogger;
}

export interface StripePaymentsOptions {
  /**
   * Whether a checkout of an account without Stripe completes at once (CompletedImmediately):
   * outside production only. Otherwise such an account cannot sell (payments_not_configured).
   */
  immediateWithoutProvider: boolean;
  /** The public address of the gateway: the webhook URL the settings show. */
  publicUrl: string;
  stripe?: StripeClientOptions;
  /** How long an account's opened secrets stay in memory after they were read (default 60 s). */
  cacheTtlMs?: number;
}

/** Where Stripe sends every connected business's events (the account is in each event's metadata). */
export const STRIPE_WEBHOOK_PATH = '/api/v1/payments/stripe/webhook';

interface Cached {
  state: StripeConnectionState;
  revision: number;
  loadedAt: number;
  provider?: StripeProvider;
}

/**
 * Each account's way to take payments, and its Stripe connection. An account that connected Stripe
 * sells through its own Stripe account; one that did not completes checkouts at once outside
 * production, and cannot sell in production.
 *
 * The opened secrets are kept briefly per account. Every look-up still reads what was appended to
 * the account's stream since (an empty read, mostly), so a disconnection, here or on another
 * replica, stops the next checkout at once.
 */
export class StripePaymentProviders implements PaymentProviders {
  private readonly codec: StripeConnectionCodec;
  private readonly cache = new Map<string, Cached>();
  private readonly immediate = new CompletedImmediately();

  constructor(
    private readonly deps: StripePaymentsDeps,
    private readonly options: StripePaymentsOptions,
  ) {
    this.codec = new StripeConnectionCodec(new PersonalDataCipher(new KeyStore(deps.keys)));
  }

  async forAccount(accountId: string): Promise<PaymentProvider> {
    const cached = await this.load(accountId);
    if (cached.state.status === 'connected') {
      cached.provider ??= new StripeProvider(cached.state.secrets.secretKey, { ...this.options.stripe, accountId, logger: this.deps.logger });
      return cached.provider;
    }
    if (this.options.immediateWithoutProvider) return this.immediate;
    throw BillingErrors.paymentsNotConfigured();
  }

  /** The signing secret the account's webhook events are verified with; null when it has not connected Stripe. */
  async webhookSecretFor(accountId: string): Promise<string | null> {
    const { state } = await this.load(accountId);
    return state.status === 'connected' ? state.secrets.webhookSecret : null;
  }

  /** How the account takes payments, as the settings show it: never a secret. */
  async settings(accountId: string): Promise<PaymentsSettings> {
    const { state } = await this.load(accountId);
    const webhookUrl = `${this.options.publicUrl.replace(/\/+$/, '')}${STRIPE_WEBHOOK_PATH}`;
    if (state.status !== 'connected') return { provider: 'none', connected: false, canSell: this.options.immediateWithoutProvider, webhookUrl };
    return { provider: 'stripe', connected: true, mode: state.mode, keyHint: state.keyHint, canSell: true, webhookUrl };
  }

  /** Records a connection or a disconnection, and forgets what this process kept of the account. */
  async change(
    accountId: string,
    command: StripeConnectionCommand,
    context: { commandId: string; metadata: EventMetadata },
  ): Promise<CommandResult<StripeConnectionState, StripeConnectionEvent>> {
    try {
      return await handleCommand(this.deps.events, paymentsStream(accountId), stripeConnectionDecider, command, context, { codec: this.codec });
    } finally {
      this.cache.delete(accountId);
    }
  }

  private async load(accountId: string): Promise<Cached> {
    const ttl = this.options.cacheTtlMs ?? 60_000;
    if (this.cache.size > 1000) {
      for (const [id, entry] of this.cache) if (Date.now() - entry.loadedAt >= ttl) this.cache.delete(id);
    }
    const known = this.cache.get(accountId);
    const fresh = known && Date.now() - known.loadedAt < ttl ? known : undefined;
    const history = await this.deps.events.readStream(paymentsStream(accountId), fresh ? { fromRevision: fresh.revision + 1 } : undefined);
    if (fresh && history.length === 0) return fresh;
    let state = fresh ? fresh.state : stripeConnectionDecider.initialState();
    for (const recorded of history) state = stripeConnectionDecider.evolve(state, await this.codec.decode(recorded));
    const revision = history.length ? history[history.length - 1].revision : -1;
    // Keys changed (or the entry aged out): a new client for the new key, the old one dropped.
    const entry: Cached = { state, revision, loadedAt: fresh?.loadedAt ?? Date.now() };
    if (state.status === 'connected' || fresh) this.cache.set(accountId, entry);
    else this.cache.delete(accountId);
    return entry;
  }
}
