/**
 * Characters that have no place in a name or a one-line text: C0 and C1 controls (CR and LF split
 * a mail header and inject another one; TAB, NUL, ESC and DEL too), the line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069), which make "Acme\u202Egnp.exe" show as "Acmeexe.png" and a sender's name read
 * other than it is. The bidi marks (U+200E, U+200F, U+061C) stay: they reorder nothing around them.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/** The text without those characters, each taken as a space (so "Maya\r\nBcc: x" cannot glue words), spaces collapsed and trimmed. */
export function oneLine(value: string): string {
  return value.replace(CONTROL_CHARACTERS, ' ').replace(/ {2,}/g, ' ').trim();
}
