import type { ProcessorHosting } from '@clientele/platform/application';
import type { EventBus } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';

export interface BillingDeps extends ProcessorHosting {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  /** Base of the pages a payment provider sends the buyer back to (PUBLIC_URL; default http://localhost:3000). */
  publicUrl?: string;
  /** STRIPE_API_URL: another address for Stripe's API (a stand-in in tests); unset: Stripe's own. */
  stripeApiUrl?: string;
  /** Checkouts of an account without Stripe complete at once (config.immediatePayments; never in production). Default true. */
  immediatePayments?: boolean;
}

export const BILLING_DEPS = Symbol('BillingDeps');
export const BILLING_CONTEXT = Symbol('BillingContext');
