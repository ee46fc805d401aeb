import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Staff password reset links, made like the clients' (client-access/link-tokens.ts) with a key of
 * their own: `staff.<userId>.<tokenId>.<mac>`. The token id is random and recorded with its expiry
 * in the member's stream; the MAC is never stored. The `staff.` prefix only tells the gateway
 * which service path to ask; the MAC decides whether the link is good, and a client link can never
 * pass for a staff one (another key, another shape).
 */
export class StaffResetLinks {
  private readonly key: Buffer;

  constructor(signingSecret: string) {
    this.key = createHmac('sha256', signingSecret).update('clientele staff reset links v1').digest();
  }

  create(userId: string, tokenId: string): string {
    return `staff.${userId}.${tokenId}.${this.mac(userId, tokenId)}`;
  }

  parse(token: string): { userId: string; tokenId: string } | null {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 4 || parts[0] !== 'staff' || parts.slice(1).some((p) => !/^[A-Za-z0-9_-]{1,100}$/.test(p))) return null;
    const [, userId, tokenId, mac] = parts;
    const expected = Buffer.from(this.mac(userId, tokenId));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { userId, tokenId } : null;
  }

  private mac(userId: string, tokenId: string): string {
    return createHmac('sha256', this.key).update(`staff-reset:${userId}:${tokenId}`).digest('base64url');
  }
}
