import { AppError, ErrorCodes, FieldError } from './errors';

/**
 * What kind of failure an error is. A service says the kind of each of its codes in its error
 * catalogue; only the gateway turns a kind into an HTTP status.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'too_many'
  | 'internal'
  | 'unavailable';

/** One error a service answers with: its stable code, its kind, and the sentence a person can act on. */
export interface ErrorDefinition {
  code: string;
  kind: ErrorKind;
  /** The sentence, or how to write it from the particulars of the failure (which session, how many seats). */
  sentence: string | ((...particulars: never[]) => string);
  errors?: readonly FieldError[];
}

type Particulars<Sentence> = Sentence extends (...particulars: infer Args) => string ? Args : [];

/** Raises one catalogued error: `throw BillingErrors.productNotSold()`. */
export type ErrorFactory<Definition extends ErrorDefinition> = ((...particulars: Particulars<Definition['sentence']>) => AppError) & {
  readonly code: Definition['code'];
  readonly kind: Definition['kind'];
};

/** A service's error catalogue: one factory per situation; several situations may share a code, never with two kinds. */
export type ErrorCatalogue<Definitions extends Record<string, ErrorDefinition> = Record<string, ErrorDefinition>> = {
  readonly [Name in keyof Definitions]: ErrorFactory<Definitions[Name]>;
};

export function defineErrors<const Definitions extends Record<string, ErrorDefinition>>(definitions: Definitions): ErrorCatalogue<Definitions> {
  const catalogue: Record<string, ErrorFactory<ErrorDefinition>> = {};
  for (const [name, { code, kind, sentence, errors }] of Object.entries(definitions)) {
    const raise = (...particulars: never[]) =>
      new AppError(code, typeof sentence === 'string' ? sentence : sentence(...particulars), errors ? [...errors] : undefined);
    catalogue[name] = Object.assign(raise, { code, kind });
  }
  return catalogue as ErrorCatalogue<Definitions>;
}

/**
 * The codes any service or the gateway answers with, each throw site writing the sentence for its
 * situation (which field, which resource): their kinds only.
 */
export const CommonErrorKinds: Readonly<Record<string, ErrorKind>> = {
  [ErrorCodes.validationFailed]: 'invalid',
  [ErrorCodes.idempotencyKeyRequired]: 'invalid',
  [ErrorCodes.unauthorized]: 'unauthorized',
  [ErrorCodes.forbidden]: 'forbidden',
  [ErrorCodes.notFound]: 'not_found',
  [ErrorCodes.concurrencyConflict]: 'conflict',
  [ErrorCodes.idempotencyKeyReused]: 'conflict',
  [ErrorCodes.payloadTooLarge]: 'too_large',
  [ErrorCodes.rateLimited]: 'too_many',
  [ErrorCodes.internal]: 'internal',
  [ErrorCodes.unavailable]: 'unavailable',
};

/** Each code of some catalogues with its kind; a code given two kinds is a bug, refused at once. */
export function errorKindsByCode(catalogues: ReadonlyArray<ErrorCatalogue | Readonly<Record<string, ErrorKind>>>): ReadonlyMap<string, ErrorKind> {
  const kinds = new Map<string, ErrorKind>();
  const record = (code: string, kind: ErrorKind) => {
    const known = kinds.get(code);
    if (known && known !== kind) throw new Error(`error code ${code} is catalogued as ${known} and as ${kind}`);
    kinds.set(code, kind);
  };
  for (const catalogue of catalogues) {
    for (const [code, entry] of Object.entries<ErrorFactory<ErrorDefinition> | ErrorKind>(catalogue)) {
      if (typeof entry === 'string') record(code, entry);
      else record(entry.code, entry.kind);
    }
  }
  return kinds;
}
