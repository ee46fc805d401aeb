import { createHmac } from 'node:crypto';

/**
 * The key of a rate-limit record: an HMAC (keyed with the gateway's secret, the same in every
 * replica) of what it counts, never the e-mail or client address itself. An unkeyed hash of an
 * IPv4 address or of an e-mail address is reversed by trying them all; the records live in NATS,
 * which its operators (and other systems sharing it) can read.
 */
export function limitKey(secret: string, ...parts: string[]): string {
  return createHmac('sha256', secret).update(`clientele rate limits\0${parts.join('\0')}`).digest('base64url');
}
