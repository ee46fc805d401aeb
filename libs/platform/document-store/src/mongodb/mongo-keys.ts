/**
 * Refuses, with the path of the offending key, a document (or a patched value) that MongoDB cannot
 * store and query as the port means it: a key starting with `$` (an operator to the server; refused
 * before 5.0 and still unreachable by queries and updates after), a key containing `.` (read as a
 * path separator by every filter, sort, index and patch) and a key containing NUL (BSON keys are
 * NUL-terminated). Nested objects and objects inside arrays are checked too: the server reads
 * their keys the same way.
 */
export function assertStorableKeys(value: unknown, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertStorableKeys(item, `${path}[${index}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, nested] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$') || key.includes('.') || key.includes('\0')) {
      throw new Error(`the field "${at.replace(/\0/g, '\\0')}" cannot be stored in MongoDB: field names must not start with "$" or contain "." or NUL`);
    }
    assertStorableKeys(nested, at);
  }
}
