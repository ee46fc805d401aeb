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
  | {
      type: 'CreateProduct';
      productId: string;
      accountId: string;
      name: string;
      price: Money;
      clientType?: ClientType;
      sessionPack?: SessionPack | null;
      metadata: { actorId: string; now: string };
    }
  | { type: 'UpdateProduct'; changes: ProductChanges; metadata: { actorId: string; now: string } }
  | { type: 'ArchiveProduct'; metadata: { actorId: string; now: string } };

/** What a product is once created: archived ones keep it, for the purchases made before. */
export interface ProductDetails {
  productId: string;
  accountId: string;
  name: string;
  price: Money;
  clientType: ClientType;
  sessionPack: SessionPack | null;
  createdAt: string;
}

export type ProductState = { status: 'none' } | ({ status: 'active' } & ProductDetails) | ({ status: 'archived' } & ProductDetails);

/** What a buyer of a product becomes when the product does not say (the seed article). */
export const DEFAULT_PRODUCT_CLIENT_TYPE: ClientType = 'full_access_one_way';

export const createProduct = (command: Extract<ProductCommand, { type: 'CreateProduct' }>, state: ProductState): ProductEvent[] => {
  if (state.status !== 'none') return [];
  const valid = validateProduct({
    name: command.name,
    price: command.price,
    clientType: command.clientType ?? DEFAULT_PRODUCT_CLIENT_TYPE,
    sessionPack: command.sessionPack ?? null,
  });
  const { actorId, now } = command.metadata;
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
        createdAt: now,
        createdBy: actorId,
      },
    },
  ];
};

export const updateProduct = (command: Extract<ProductCommand, { type: 'UpdateProduct' }>, state: ProductState): ProductEvent[] => {
  if (state.status === 'none') throw notFound();
  if (state.status === 'archived') throw BillingErrors.productArchived();
  const valid = validateProduct(command.changes);
  const changes = Object.fromEntries(
    Object.entries(valid).filter(([field, value]) => JSON.stringify(state[field as keyof ProductDetails]) !== JSON.stringify(value)),
  );
  if (Object.keys(changes).length === 0) return [];
  const { actorId, now } = command.metadata;
  return [{ type: 'ProductUpdated', data: { productId: state.productId, accountId: state.accountId, changes, updatedAt: now, updatedBy: actorId } }];
};

export const archiveProduct = (command: Extract<ProductCommand, { type: 'ArchiveProduct' }>, state: ProductState): ProductEvent[] => {
  if (state.status === 'none') throw notFound();
  if (state.status === 'archived') return [];
  const { actorId, now } = command.metadata;
  return [{ type: 'ProductArchived', data: { productId: state.productId, accountId: state.accountId, archivedAt: now, archivedBy: actorId } }];
};

export const productDecider: Decider<ProductCommand, ProductState, ProductEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateProduct':
        return createProduct(command, state);
      case 'UpdateProduct':
        return updateProduct(command, state);
      case 'ArchiveProduct':
        return archiveProduct(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown product command: ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ProductCreated': {
        const { productId, accountId, name, price, clientType, sessionPack, createdAt } = event.data;
        return { status: 'active', productId, accountId, name, price, clientType, sessionPack: sessionPack ?? null, createdAt };
      }
      case 'ProductUpdated':
        return state.status === 'none' ? state : { ...state, ...event.data.changes };
      case 'ProductArchived':
        return state.status === 'none' ? state : { ...state, status: 'archived' };
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
