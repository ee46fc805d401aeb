import { AccessDeniedError, ErrorType } from '@eventstore/db-client';
import { parseConnectionString } from '@eventstore/db-client/dist/Client/parseConnectionString';

/** gRPC's status code for rejected credentials (`status.UNAUTHENTICATED` of @grpc/grpc-js). */
const GRPC_UNAUTHENTICATED = 16;

/**
 * What an operator needs to know about the connection string to explain a refused `$all` read:
 * who the adapter signs in as (never the password) and how to write a corrected URL.
 */
export interface EsdbConnectionIdentity {
  /** The user of the URL's credentials; undefined when it carries none. */
  username?: string;
  /** `esdb://` or `esdb+discover://`, as written. */
  scheme: string;
  /** `host:port` of every node, as written. */
  hosts: string;
  /** Everything after `?`, including it; empty when there is none. */
  query: string;
}

export function connectionIdentity(connectionString: string): EsdbConnectionIdentity {
  // The client's own parser: it throws the client's own message for a malformed string.
  const parsed = parseConnectionString(connectionString);
  const scheme = connectionString.slice(0, connectionString.indexOf('://') + 3);
  const queryStart = connectionString.indexOf('?');
  return {
    username: parsed.defaultCredentials?.username,
    scheme,
    hosts: parsed.hosts.map((host) => `${host.address}:${host.port}`).join(','),
    query: queryStart === -1 ? '' : connectionString.slice(queryStart),
  };
}

/**
 * Thrown instead of the client's bare "access denied": which stream, what was refused, why, and
 * what to put in EVENTSTORE_URL. The client's error stays as `cause`.
 */
export class EsdbAccessError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'EsdbAccessError';
  }
}

/** What the service was refused. */
export type EsdbAccess = 'read' | 'append to' | 'delete';

/**
 * The sentence for a refused `access` to `stream`, or undefined when `error` is no refusal. The
 * client turns both a refusal (gRPC PERMISSION_DENIED with the server's `access-denied` exception)
 * and rejected credentials (UNAUTHENTICATED) into AccessDeniedError; the gRPC code tells them
 * apart. EventStoreDB's default access rule lets only members of `$admins` read `$all`, so a URL
 * without an admin's credentials cannot feed the projectors, the outbox relays or the health check.
 */
export function describeAccessFailure(
  error: unknown,
  stream: string,
  identity: EsdbConnectionIdentity,
  access: EsdbAccess = 'read',
): string | undefined {
  const denied = error instanceof AccessDeniedError || (error instanceof Error && (error as { type?: unknown }).type === ErrorType.ACCESS_DENIED);
  if (!denied) return undefined;

  const example = (user: string) => `${identity.scheme}${user}:<password>@${identity.hosts}${identity.query}`;
  const refused = `EventStoreDB refused to let this service ${access} ${stream} (access denied)`;
  const right = { read: 'read', 'append to': 'write', delete: 'delete' }[access];
  // Every service reads $all (projectors, outbox relays, health check): whoever it signs in as needs that too.
  const granted = stream === '$all' ? 'read on $all' : `read on $all and ${right} on ${stream}`;
  const note = stream === '$all' ? ' By default EventStoreDB lets only admins read $all.' : '';

  if (identity.username === undefined) {
    return (
      `${refused}: EVENTSTORE_URL carries no credentials allowed to ${access} ${stream}; put an admin user (or one granted ` +
      `${granted}) in the URL: ${example('admin')}.${note}`
    );
  }
  if ((error as { code?: unknown }).code === GRPC_UNAUTHENTICATED) {
    return (
      `${refused}: it did not accept the credentials of user "${identity.username}" in EVENTSTORE_URL (wrong user name or ` +
      `password); correct them in the URL: ${example(identity.username)}`
    );
  }
  return (
    `${refused}: user "${identity.username}" of EVENTSTORE_URL may not ${access} ${stream}; use an admin user, or grant ` +
    `"${identity.username}" ${granted}, in the URL: ${example('admin')}.${note}`
  );
}

/** Rethrows a refused `access` to `stream` as an EsdbAccessError; any other error as it is. */
export function rethrowAccessFailure(error: unknown, stream: string, identity: EsdbConnectionIdentity, access: EsdbAccess = 'read'): never {
  const sentence = describeAccessFailure(error, stream, identity, access);
  if (sentence !== undefined) throw new EsdbAccessError(sentence, { cause: error });
  throw error;
}
