import type { Leases } from '@clientele/platform/coordination';
import type { EventBus } from '@clientele/platform/bus';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';

export interface BillingDeps {
  events: EventStore;
  documents: DocumentStore;
  /** Its subjects' keys, apart from the read models so that shredding destroys them (docs/ERASURE.md). */
  keys: DocumentStore;
  bus: EventBus;
  logger: JsonLogger;
  /** A replicated deployment's leases: one active replica per processor (none in a single process). */
  leases?: Leases;
}

export const BILLING_DEPS = Symbol('BillingDeps');
export const BILLING_CONTEXT = Symbol('BillingContext');

/**
 * Payment capture. The provider must treat the purchase id as its idempotency key: a retried
 * checkout captures once.
 */
export interface PaymentProvider {
  capture(request: { purchaseId: string; amount: { amount: number; currency: string } }): Promise<{ status: 'completed' }>;
}

/**
 * For now every payment completes at once: there is no payment service behind checkout yet. A real
 * provider (Stripe, Mollie...) is a later adapter of the same port.
 */
export class CompletedImmediately implements PaymentProvider {
  async capture(): Promise<{ status: 'completed' }> {
    return { status: 'completed' };
  }
}
