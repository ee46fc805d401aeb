/**
 * The peer of `command-embedded` as a process of its own (bench/peers/add-client-peer.ts), forked
 * by bench/scenarios/command.ts with forkTs, as bench/servers/embedded.ts is.
 *
 * argv: <sqlite file>. Opens the store, an account without a seat limit and its admin (the one the
 * load runs as), and an account with one seat (for the scenario's check that the seat rule holds);
 * signs each admin an access token as identity does (HS256, same claims, same lifetime, a secret
 * of this process); sends `{ url, token, oneSeatToken }` once it listens; exits 0 on SIGTERM.
 */
import { ACCESS_TOKEN_TTL_SECONDS, type AccessTokenClaims } from '@clientele/identity/contracts';
import { signJwt } from '@clientele/platform/auth';
import { randomBytes } from 'node:crypto';
import { PeerStore, startPeerApp } from './add-client-peer';

export interface PeerReady {
  url: string;
  /** An admin of an account without a seat limit. */
  token: string;
  /** An admin of an account with one seat. */
  oneSeatToken: string;
}

async function main(): Promise<void> {
  const [filename] = process.argv.slice(2);
  if (!filename) throw new Error('usage: server.ts <sqlite file>');
  const store = new PeerStore(filename);
  const secret = randomBytes(48).toString('base64url');
  const sign = (adminId: string, accountId: string) =>
    signJwt<AccessTokenClaims>(
      { sub: adminId, role: 'admin', acc: accountId, caps: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'], ver: 0 },
      { secret, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS },
    );
  const open = store.openAccount(null);
  const oneSeat = store.openAccount(1);
  const app = await startPeerApp(store, secret);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const ready: PeerReady = { url, token: await sign(open.adminId, open.accountId), oneSeatToken: await sign(oneSeat.adminId, oneSeat.accountId) };
  process.send?.(ready);
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => {
        store.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  });
}

main().catch((error) => {
  process.stderr.write(`add-client peer failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
