import { liveFilter, translateFilter } from './mongo-filter';
import { containsNarrowing, textIndexes, textOf, textPatch, trigrams } from './mongo-text-index';

/**
 * MongoDB's trigram search (finding 12 of issue 19), without a server. The narrowing must never
 * drop a document that the confirming regex would match: the regex decides, the trigrams only
 * pick the candidates. JavaScript's `iu` regex matching is Unicode simple case folding, as
 * PCRE's case-insensitive UTF matching in MongoDB is, so it stands in for the server's regex here.
 */
describe('MongoDB trigram search', () => {
  // The escaping of escapeRegExp, less `\-`, which JavaScript's `u` mode refuses outside a class.
  const matches = (term: string, value: string) => new RegExp(term.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'iu').test(value);
  const covered = (term: string, value: string) => {
    const grams = new Set(trigrams(value));
    return trigrams(term).every((gram) => grams.has(gram));
  };

  describe('case folding', () => {
    it('folds any two characters that a case-insensitive match takes as equal to the same text', () => {
      const variants = (c: string) => [c.toLowerCase(), c.toUpperCase(), c.toLowerCase().toUpperCase(), c.toUpperCase().toLowerCase()];
      const disagreements: string[] = [];
      for (let code = 0; code <= 0x1ffff; code++) {
        if (code >= 0xd800 && code <= 0xdfff) continue;
        const c = String.fromCodePoint(code);
        const candidates = new Set(variants(c).flatMap((v) => [v, ...variants(v)]));
        for (const other of candidates) {
          if (other === c || Array.from(other).length !== 1 || !matches(c, other)) continue;
          if (!covered(`${c}${c}${c}`, `${other}${other}${other}`)) disagreements.push(`${c} (U+${code.toString(16)}) ~ ${other}`);
        }
      }
      expect(disagreements).toEqual([]);
    });

    it('finds what the regex finds in names and e-mails with accents, sharp s, final sigma, long s and the Kelvin sign', () => {
      const cases: Array<[string, string]> = [
        ['ÉMILE', 'Émile Zola'],
        ['émile', 'ÉMILE ZOLA'],
        ['ada@EXAMPLE', 'Ada@example.com'],
        ['ΟΔΥΣΣΕΥΣ', 'Οδυσσευς'],
        ['ευς', 'ΟΔΥΣΣΕΥΣ'],
        ['ſam', 'Sam Smith'],
        ['\u212Aate', 'kate@example.com'],
        ['straẞe', 'Hauptstraße 1'],
        ['Straße', 'HAUPTSTRAẞE 1'],
        ['lovelace', 'Ada Lovelace'],
        ['🏋️‍♀️ fit', 'Coach 🏋️‍♀️ Fitness'],
      ];
      for (const [term, value] of cases) {
        expect({ term, value, regex: matches(term, value) }).toEqual({ term, value, regex: true });
        expect({ term, value, narrowed: covered(term, value) }).toEqual({ term, value, narrowed: true });
      }
    });

    it('takes trigrams of code points, distinct, and none below three characters', () => {
      expect(trigrams('Anna')).toEqual(['ann', 'nna']);
      expect(trigrams('aaaa')).toEqual(['aaa']);
      expect(trigrams('ab')).toEqual([]);
      expect(trigrams('a😀b')).toEqual(['a😀b']);
    });
  });

  describe('what is stored', () => {
    it('holds the trigrams of each text-indexed string field, through objects but not arrays', () => {
      const body = { firstName: 'Ada', contact: { email: 'ada@x.io' }, tags: ['ada'], items: [{ name: 'rope' }], age: 36 };
      expect(textOf(body, ['firstName', 'contact.email', 'tags', 'items.name', 'age', 'missing'])).toEqual({
        firstName: ['ada'],
        'contact-email': ['ada', 'da@', 'a@x', '@x.', 'x.i', '.io'],
        tags: [],
        'items-name': [],
        age: [],
        missing: [],
      });
    });

    it('keeps the trigrams in step with a patch of the field, of an object above it, or of a path below it', () => {
      const fields = ['firstName', 'contact.email'];
      expect(textPatch({ firstName: 'Bea' }, fields)).toEqual({ '_text.firstName': ['bea'] });
      expect(textPatch({ contact: { email: 'bea@y.io' } }, fields)).toEqual({ '_text.contact-email': trigrams('bea@y.io') });
      expect(textPatch({ contact: null }, fields)).toEqual({ '_text.contact-email': [] });
      expect(textPatch({ 'firstName.x': 1 }, fields)).toEqual({ '_text.firstName': [] });
      expect(textPatch({ lastName: 'Lovelace', 'contact.phone': '1' }, fields)).toEqual({});
      // `contacts` is not above `contact.email`: the prefix is a whole segment.
      expect(textPatch({ contac: { email: 'z@z.io' } }, fields)).toEqual({});
    });

    it('indexes each field on its own, led by the live flag', () => {
      expect(textIndexes(['firstName', 'contact.email'])).toEqual([
        { name: 'rm_text_firstName', key: { _deleted: 1, '_text.firstName': 1 } },
        { name: 'rm_text_contact-email', key: { _deleted: 1, '_text.contact-email': 1 } },
      ]);
    });
  });

  describe('queries', () => {
    const fields = new Set(['firstName', 'lastName', 'email']);

    it('narrows a $contains on a text-indexed field by its trigrams, and still confirms with the regex', () => {
      expect(translateFilter({ lastName: { $contains: 'Love' } }, fields)).toEqual({
        lastName: { $regex: 'Love', $options: 'i', $not: { $type: 'array' } },
        '_text.lastName': { $all: ['lov', 'ove'] },
      });
    });

    it('narrows every branch of a search over several fields', () => {
      const search = { accountId: 'a', $or: ['firstName', 'lastName', 'email'].map((f) => ({ [f]: { $contains: 'ada' } })) };
      const filter = liveFilter(search, fields);
      expect(filter._deleted).toBe(false);
      const branches = (filter.$or ?? filter.$and?.find((clause: { $or?: unknown }) => clause.$or)?.$or) as object[];
      expect(branches.map((branch) => JSON.stringify(branch))).toEqual(
        ['firstName', 'lastName', 'email'].map((f) => expect.stringContaining(`"_text.${f}":{"$all":["ada"]}`)),
      );
    });

    it('scans (the regex alone) below three characters, on a field without a text index, and without any', () => {
      expect(containsNarrowing('lastName', 'ov', fields)).toBeNull();
      expect(containsNarrowing('notes', 'lovelace', fields)).toBeNull();
      expect(JSON.stringify(translateFilter({ notes: { $contains: 'lovelace' } }, fields))).not.toContain('_text');
      expect(JSON.stringify(translateFilter({ lastName: { $contains: 'lovelace' } }))).not.toContain('_text');
    });

    it('keeps the guards of a dotted path through an array', () => {
      const filter = translateFilter({ 'items.name': { $contains: 'rope' } }, new Set(['items.name']));
      expect(filter).toEqual({
        items: { $not: { $type: 'array' } },
        'items.name': { $regex: 'rope', $options: 'i', $not: { $type: 'array' } },
        '_text.items-name': { $all: ['rop', 'ope'] },
      });
    });
  });
});
