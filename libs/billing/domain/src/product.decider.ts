import { AppError, ClientType, Decider, ErrorCodes, FieldError, isClientType } from '@clientele/platform/core';

export interface Money {
  amount: number;
  currency: string;
}

/** Something a coach sells (`product-<id>`): buyers become clients with its client type. */
export type ProductEvent =
  | { type: 'ProductCreated'; data: { productId: string; accountId: string; name: string; price: Money; clientType: ClientType; createdAt: string; createdBy: string } }
  | { type: 'ProductUpdated'; data: { productId: string; accountId: string; changes: { name?: string; price?: Money; clientType?: ClientType }; updatedAt: string; updatedBy: string } }
  | { type: 'ProductArchived'; data: { productId: string; accountId: string; archivedAt: string; archivedBy: string } };

export type ProductCommand =
  | { type: 'CreateProduct'; productId: string; accountId: string; name: string; price: Money; clientType?: ClientType; actorId: string; now: string }
  | { type: 'UpdateProduct'; changes: { name?: string; price?: Money; clientType?: ClientType }; actorId: string; now: string }
  | { type: 'ArchiveProduct'; actorId: string; now: string };

export interface ProductState {
  exists: boolean;
  productId: string;
  accountId: string;
  name: string;
  price: Money;
  clientType: ClientType;
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
    archived: false,
    createdAt: '',
  }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateProduct': {
        if (state.exists) return [];
        const valid = validateProduct({ name: command.name, price: command.price, clientType: command.clientType ?? DEFAULT_PRODUCT_CLIENT_TYPE });
        return [
          {
            type: 'ProductCreated',
            data: {
              productId: command.productId,
              accountId: command.accountId,
              name: valid.name!,
              price: valid.price!,
              clientType: valid.clientType!,
              createdAt: command.now,
              createdBy: command.actorId,
            },
          },
        ];
      }
      case 'UpdateProduct': {
        if (!state.exists) throw notFound();
        if (state.archived) throw new AppError('product_archived', 'This product is archived; it can no longer be changed.');
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
        return { ...state, exists: true, ...event.data, archived: false };
      case 'ProductUpdated':
        return { ...state, ...event.data.changes };
      case 'ProductArchived':
        return { ...state, archived: true };
      default:
        return state;
    }
  },
};

export function validateProduct(input: { name?: string; price?: Money; clientType?: ClientType }): { name?: string; price?: Money; clientType?: ClientType } {
  const errors: FieldError[] = [];
  const valid: { name?: string; price?: Money; clientType?: ClientType } = {};
  if (input.name !== undefined) {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0 || name.length > 200) errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
    else valid.name = name;
  }
  if (input.price !== undefined) {
    const { amount, currency } = input.price ?? ({} as Money);
    if (!Number.isInteger(amount) || amount < 0 || amount > 100_000_000) errors.push({ field: 'price.amount', message: 'must be a whole number of minor units from 0 to 100000000' });
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) errors.push({ field: 'price.currency', message: 'must be an ISO 4217 code such as EUR' });
    if (errors.length === 0) valid.price = { amount, currency };
  }
  if (input.clientType !== undefined) {
    if (!isClientType(input.clientType)) errors.push({ field: 'clientType', message: 'must be one of full_access, full_access_one_way, offline' });
    else valid.clientType = input.clientType;
  }
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some fields of the product are not valid.', errors);
  return valid;
}

function notFound(): AppError {
  return new AppError(ErrorCodes.notFound, 'No product with this id.');
}
