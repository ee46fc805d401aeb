import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkKind = 'invitation' | 'reset' | 'email';

/**
 * One-time links. A link token is `<clientId>.<tokenId>.<mac>`: the token id is random and
 * recorded (with its expiry) in the client's login stream; the MAC, keyed by a secret derived from
 * the signing secret, is never stored. So a stolen database holds nothing that opens an account,
 * and a mail can be (re)rendered from the token id alone.
 */
export class LinkTokens {
  private readonly key: Buffer;

  constructor(signingSecret: string) {
    this.key = createHmac('sha256', signingSecret).update('clientele one-time links v1').digest();
  }

  create(kind: LinkKind, clientId: string, tokenId: string): string {
    return `${clientId}.${tokenId}.${this.mac(kind, clientId, tokenId)}`;
  }

  parse(kind: LinkKind, token: string): { clientId: string; tokenId: string } | null {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]{1,100}$/.test(p))) return null;
    const [clientId, tokenId, mac] = parts;
    const expected = Buffer.from(this.mac(kind, clientId, tokenId));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { clientId, tokenId } : null;
  }

  private mac(kind: LinkKind, clientId: string, tokenId: string): string {
    return createHmac('sha256', this.key).update(`${kind}:${clientId}:${tokenId}`).digest('base64url');
  }
}
