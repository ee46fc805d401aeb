import { BillingErrors, PaymentsErrors, type PaymentsSettings } from '@clientele/billing/contracts';
import { handleCommand, type CommandResult } from '@clientele/platform/application';
import { UnavailableError } from '@clientele/platform/core';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventMetadata, EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import Stripe from 'stripe';
import { CompletedImmediately, PaymentProvider, PaymentProviders } from './payment-provider';
import {
  StripeConnectionCodec,
  StripeConnectionCommand,
  StripeConnectionEvent,
  StripeConnectionState,
  paymentsStream,
  refuseMisshapenKeys,
  sealedUnderOf,
  stripeConnectionDecider,
} from './stripe-connection';
import { StripeClientOptions, StripeProvider, stripeClient } from './stripe-provider';

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

/**
 * Where Stripe sends a business's events: its own URL, `<STRIPE_WEBHOOK_PATH>/<accountId>`. The
 * path without an account still takes the events that name their account in their metadata (the
 * URL of the first version, which businesses may have pasted into Stripe).
 */
export const STRIPE_WEBHOOK_PATH = '/api/v1/payments/stripe/webhook';

/** The business's own webhook URL, under the gateway's public address. */
export const stripeWebhookUrl = (publicUrl: string, accountId: string) => `${publicUrl.replace(/\/+$/, '')}${STRIPE_WEBHOOK_PATH}/${encodeURIComponent(accountId)}`;

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

  /**
   * A PaymentIntent's metadata, asked of the account's own Stripe (the webhook's fallback for a
   * charge that carries none of ours); null when the account has no Stripe or Stripe no such intent.
   */
  async paymentIntentMetadata(accountId: string, paymentIntentId: string): Promise<Stripe.Metadata | null> {
    if ((await this.load(accountId)).state.status !== 'connected') return null;
    const provider = await this.forAccount(accountId);
    return provider instanceof StripeProvider ? provider.paymentIntentMetadata(paymentIntentId) : null;
  }

  /** How the account takes payments, as the settings show it: never a secret. */
  async settings(accountId: string): Promise<PaymentsSettings> {
    const { state } = await this.load(accountId);
    const webhookUrl = stripeWebhookUrl(this.options.publicUrl, accountId);
    if (state.status !== 'connected') return { provider: 'none', connected: false, canSell: this.options.immediateWithoutProvider, webhookUrl };
    return { provider: 'stripe', connected: true, mode: state.mode, keyHint: state.keyHint, canSell: true, webhookUrl };
  }

  /**
   * Connects the account's Stripe: keys of Stripe's form only (validation_failed), then a key Stripe
   * accepts (stripe_key_rejected; 503 when Stripe cannot be asked), and only then recorded. The
   * same keys again (a retried request) are not checked again: they were when first connected.
   */
  async connect(
    accountId: string,
    keys: { secretKey: string; webhookSecret: string },
    context: { commandId: string; metadata: EventMetadata },
  ): Promise<CommandResult<StripeConnectionState, StripeConnectionEvent>> {
    refuseMisshapenKeys(keys);
    const { state } = await this.load(accountId);
    const again = state.status === 'connected' && state.secrets.secretKey === keys.secretKey && state.secrets.webhookSecret === keys.webhookSecret;
    if (!again) await this.checkKey(accountId, keys.secretKey);
    return this.change(accountId, { type: 'ConnectStripe', accountId, ...keys, now: new Date().toISOString() }, context);
  }

  /**
   * Asks Stripe whether it takes the key, with the cheapest authenticated read that checkout needs
   * too (the latest Checkout Session): so a revoked or mistyped key, another account's, or a
   * restricted key without the Checkout Sessions permission is refused now, not at a buyer's
   * checkout. One retry only: an administrator is waiting. Only Stripe's error type and request id
   * are logged, never the key.
   */
  private async checkKey(accountId: string, secretKey: string): Promise<void> {
    const stripe = stripeClient(secretKey, { ...this.options.stripe, maxNetworkRetries: Math.min(this.options.stripe?.maxNetworkRetries ?? 1, 1) });
    try {
      await stripe.checkout.sessions.list({ limit: 1 });
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      this.deps.logger.warn('Stripe did not accept a secret key being connected', {
        accountId,
        stripeError: error.type,
        status: error.statusCode ?? null,
        stripeCode: error.code ?? null,
        requestId: error.requestId ?? null,
      });
      if (error.type === 'StripeAuthenticationError') {
        throw PaymentsErrors.stripeKeyRefused('It is unknown to Stripe: revoked, rolled, or not copied whole. Copy the secret key again from Stripe’s Developers › API keys.');
      }
      if (error.type === 'StripePermissionError') {
        throw PaymentsErrors.stripeKeyRefused('This restricted key may not read Checkout Sessions: give it the Checkout Sessions and Refunds permissions (write) in Stripe, or use the secret key.');
      }
      if (error.type === 'StripeConnectionError' || error.type === 'StripeRateLimitError' || (error.statusCode ?? 500) >= 500) {
        throw new UnavailableError('Stripe could not be reached to check the key, so nothing was stored. Try again in a moment.');
      }
      throw PaymentsErrors.stripeKeyRefused('Stripe refused a simple read with it; check in Stripe’s Developers › API keys that it is the secret key of the account that should be paid.');
    }
  }

  /**
   * Disconnects the account's Stripe, then destroys the keys its secrets were sealed with: what is
   * recorded can never be opened again, by this or any replica, or from a backup of the events.
   */
  async disconnect(accountId: string, context: { commandId: string; metadata: EventMetadata }): Promise<CommandResult<StripeConnectionState, StripeConnectionEvent>> {
    return this.change(accountId, { type: 'DisconnectStripe', accountId, now: new Date().toISOString() }, context);
  }

  /**
   * Records a connection or a disconnection, and forgets what this process kept of the account.
   * Then it shreds the key of every connection that has ended (replaced by other keys, or
   * disconnected): also on a retry that records nothing, so a crash between the two is made good.
   */
  async change(
    accountId: string,
    command: StripeConnectionCommand,
    context: { commandId: string; metadata: EventMetadata },
  ): Promise<CommandResult<StripeConnectionState, StripeConnectionEvent>> {
    try {
      const result = await handleCommand(this.deps.events, paymentsStream(accountId), stripeConnectionDecider, command, context, { codec: this.codec });
      await this.shredEndedConnections(accountId);
      return result;
    } finally {
      this.cache.delete(accountId);
    }
  }

  /** Destroys the key of every recorded connection but the current one (none once disconnected). */
  private async shredEndedConnections(accountId: string): Promise<void> {
    const history = await this.deps.events.readStream(paymentsStream(accountId));
    const last = history[history.length - 1];
    const current = last?.type === 'StripeConnected' ? sealedUnderOf(last.data as Record<string, unknown>) : null;
    const ended = new Set(history.filter((e) => e.type === 'StripeConnected').map((e) => sealedUnderOf(e.data as Record<string, unknown>)));
    ended.delete(current as string);
    // Destroying a key already destroyed is a no-op: every ended one, every time.
    for (const subject of ended) await this.codec.cipher.shred(subject);
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
