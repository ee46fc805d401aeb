import { BillingErrors, type SessionPack } from '@clientele/billing/contracts';
import { AppError, ClientType, CURRENCY_PROBLEM, Decider, ErrorCodes, FieldError, isClientType, isCurrencyInUse, type Money } from '@clientele/platform/core';

export const MAX_PACK_SESSIONS = 500;
export const MAX_PACK_VALIDITY_DAYS = 3650;

type ProductChanges = { name?: string; price?: Money; clientType?: ClientType; sessionPack?: SessionPack | null };

/**
 * Something a coach sells (`product-<id>`): buyers become clients with its client type, and with a
 * session pack they get a bundle of sessions. (`sessionPack` is absent from events recorded before
 * packs existed: read it as null.)
 */
export type ProductEvent =
  | {
      type: 'ProductCreated';
      data: { productId: string; accountId: string; name: string; price: Money; clientType: ClientType; sessionPack?: SessionPack | null; createdAt: string; createdBy: string };
    }
  | { type: 'ProductUpdated'; data: { productId: string; accountId: string; changes: ProductChanges; updatedAt: string; updatedBy: string } }
  | { type: 'ProductArchived'; data: { productId: string; accountId: string; archivedAt: string; archivedBy: string } };

export type ProductCommand =
  | { type: 'CreateProduct'; productId: string; accountId: string; name: string; price: Money; clientType?: ClientType; sessionPack?: SessionPack | null; actorId: string; now: string }
  | { type: 'UpdateProduct'; changes: ProductChanges; actorId: string; now: string }
  | { type: 'ArchiveProduct'; actorId: string; now: string };

export interface ProductState {
  exists: boolean;
  productId: string;
  accountId: string;
  name: string;
  price: Money;
  clientType: ClientType;
  sessionPack: SessionPack | null;
  archived: boolean;
  createdAt: string;
}

/** What a buyer of a product becomes when the product does not say (the seed article). */
export const DEFAULT_PRODUCT_CLIENT_TYPE: ClientType = 'full_access_one_way';

export const productDecider: Decider<ProductCommand, ProductState, ProductEvent> = {
  initialState: () => ({
    exists: false,
    productId: '',
    accountId: '',
    name: '',
    price: { amount: 0, currency: 'EUR' },
    clientType: DEFAULT_PRODUCT_CLIENT_TYPE,
    sessionPack: null,
    archived: false,
    createdAt: '',
  }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateProduct': {
        if (state.exists) return [];
        const valid = validateProduct({
          name: command.name,
          price: command.price,
          clientType: command.clientType ?? DEFAULT_PRODUCT_CLIENT_TYPE,
          sessionPack: command.sessionPack ?? null,
        });
        return [
          {
            type: 'ProductCreated',
            data: {
              productId: command.productId,
              accountId: command.accountId,
              name: valid.name!,
              price: valid.price!,
              clientType: valid.clientType!,
              sessionPack: valid.sessionPack ?? null,
              createdAt: command.now,
              createdBy: command.actorId,
            },
          },
        ];
      }
      case 'UpdateProduct': {
        if (!state.exists) throw notFound();
        if (state.archived) throw BillingErrors.productArchived();
        const valid = validateProduct(command.changes);
        const changes = Object.fromEntries(
          Object.entries(valid).filter(([field, value]) => JSON.stringify(state[field as keyof ProductState]) !== JSON.stringify(value)),
        );
        if (Object.keys(changes).length === 0) return [];
        return [{ type: 'ProductUpdated', data: { productId: state.productId, accountId: state.accountId, changes, updatedAt: command.now, updatedBy: command.actorId } }];
      }
      case 'ArchiveProduct':
        if (!state.exists) throw notFound();
        if (state.archived) return [];
        return [{ type: 'ProductArchived', data: { productId: state.productId, accountId: state.accountId, archivedAt: command.now, archivedBy: command.actorId } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ProductCreated':
        return { ...state, exists: true, ...event.data, sessionPack: event.data.sessionPack ?? null, archived: false };
      case 'ProductUpdated':
        return { ...state, ...event.data.changes };
      case 'ProductArchived':
        return { ...state, archived: true };
      default:
        return state;
    }
  },
};

export function validateProduct(input: ProductChanges): ProductChanges {
  const errors: FieldError[] = [];
  const valid: ProductChanges = {};
  if (input.name !== undefined) {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0 || name.length > 200) errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
    else valid.name = name;
  }
  if (input.price !== undefined) {
    const { amount, currency } = input.price ?? ({} as Money);
    if (!Number.isInteger(amount) || amount < 0 || amount > 100_000_000) errors.push({ field: 'price.amount', message: 'must be a whole number of minor units from 0 to 100000000' });
    if (!isCurrencyInUse(currency)) errors.push({ field: 'price.currency', message: CURRENCY_PROBLEM });
    if (errors.length === 0) valid.price = { amount, currency };
  }
  if (input.clientType !== undefined) {
    if (!isClientType(input.clientType)) errors.push({ field: 'clientType', message: 'must be one of full_access, full_access_one_way, offline' });
    else valid.clientType = input.clientType;
  }
  if (input.sessionPack !== undefined) {
    const pack = input.sessionPack;
    if (pack === null) valid.sessionPack = null;
    else {
      const sessions = pack?.sessions;
      const validForDays = pack?.validForDays ?? null;
      if (!Number.isInteger(sessions) || sessions < 1 || sessions > MAX_PACK_SESSIONS) {
        errors.push({ field: 'sessionPack.sessions', message: `must be a whole number from 1 to ${MAX_PACK_SESSIONS}` });
      }
      if (validForDays !== null && (!Number.isInteger(validForDays) || validForDays < 1 || validForDays > MAX_PACK_VALIDITY_DAYS)) {
        errors.push({ field: 'sessionPack.validForDays', message: `must be a whole number of days from 1 to ${MAX_PACK_VALIDITY_DAYS}, or null for no expiry` });
      }
      if (errors.length === 0) valid.sessionPack = { sessions, validForDays };
    }
  }
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some fields of the product are not valid.', errors);
  return valid;
}

function notFound(): AppError {
  return new AppError(ErrorCodes.notFound, 'No product with this id.');
}
