import { CommonErrorKinds, defineErrors, errorKindsByCode } from './error-catalogue';
import { AppError, ErrorCodes } from './errors';

describe('error catalogues (issue 20)', () => {
  const Errors = defineErrors({
    archived: { code: 'product_archived', kind: 'conflict', sentence: 'This product is no longer sold.' },
    full: { code: 'seat_limit_reached', kind: 'conflict', sentence: (limit: number) => `All ${limit} seats are taken.`, errors: [{ field: 'type', message: 'no seat' }] },
  });

  it('raises AppErrors with the catalogued code, sentence and field errors', () => {
    const archived = Errors.archived();
    expect(archived).toBeInstanceOf(AppError);
    expect(archived.toPayload()).toEqual({ code: 'product_archived', detail: 'This product is no longer sold.' });
    expect(Errors.full(3).toPayload()).toEqual({ code: 'seat_limit_reached', detail: 'All 3 seats are taken.', errors: [{ field: 'type', message: 'no seat' }] });
    // Each error gets its own copy of the field errors.
    expect(Errors.full(3).errors).not.toBe(Errors.full(3).errors);
    expect({ code: Errors.full.code, kind: Errors.full.kind }).toEqual({ code: 'seat_limit_reached', kind: 'conflict' });
  });

  it('asks for the particulars a sentence is written from, and for no others', () => {
    // @ts-expect-error the seat limit is missing
    expect(() => Errors.full()).not.toThrow();
    // @ts-expect-error a fixed sentence takes no particulars
    Errors.archived('extra');
  });

  it('gives each code one kind, whichever catalogue lists it', () => {
    const kinds = errorKindsByCode([CommonErrorKinds, Errors, defineErrors({ again: { code: 'product_archived', kind: 'conflict', sentence: 'Archived.' } })]);
    expect(kinds.get('product_archived')).toBe('conflict');
    expect(kinds.get(ErrorCodes.notFound)).toBe('not_found');
    const twoKinds = defineErrors({ clash: { code: 'product_archived', kind: 'not_found', sentence: 'Gone.' } });
    expect(() => errorKindsByCode([Errors, twoKinds])).toThrow('error code product_archived is catalogued as conflict and as not_found');
  });
});
