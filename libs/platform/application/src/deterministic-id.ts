import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 5 layout, SHA-1): the same inputs always give the same id. Event ids
 * derived from the command id make a retried command append nothing twice, and a re-published
 * integration event carry the same `Nats-Msg-Id`.
 */
export function deterministicId(...parts: ReadonlyArray<string | number>): string {
  const hash = createHash('sha1').update(parts.map(String).join('\u0000')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The stream is part of the id: one command may append to several streams (a bulk change). */
export function deterministicEventId(streamName: string, commandId: string, index: number): string {
  return deterministicId('event', streamName, commandId, index);
}
