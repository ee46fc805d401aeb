import { AccessDeniedError, StreamNotFoundError, UnavailableError, convertToCommandError } from '@eventstore/db-client';
import { Metadata, status } from '@grpc/grpc-js';
import { EsdbAccessError, connectionIdentity, describeAccessFailure, rethrowAccessFailure } from './esdb-access';

/**
 * A gRPC failure as @grpc/grpc-js hands it to the client, turned into the client's error by the
 * client's own converter (what every read does with a failed call). `exception` is the metadata
 * entry with which EventStoreDB names its refusals.
 */
function clientError(code: status, details: string, exception?: string): Error {
  const metadata = new Metadata();
  if (exception) metadata.set('exception', exception);
  const serviceError = Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
  return convertToCommandError(serviceError);
}

const PASSWORD = 'S3cret-pa55';

describe('EventStoreDB: a refused read of $all explains itself', () => {
  it('builds on the errors the client makes of the server answers', () => {
    expect(clientError(status.PERMISSION_DENIED, 'Access denied.', 'access-denied')).toBeInstanceOf(AccessDeniedError);
    expect(clientError(status.UNAUTHENTICATED, 'Bad credentials')).toBeInstanceOf(AccessDeniedError);
  });

  it('says that the URL carries no credentials, and how to put an admin in it', () => {
    const identity = connectionIdentity('esdb://node-1:2113,node-2:2113?tls=true&tlsCAFile=/certs/ca.crt');
    const sentence = describeAccessFailure(clientError(status.PERMISSION_DENIED, 'Access denied.', 'access-denied'), '$all', identity);
    expect(sentence).toContain('EVENTSTORE_URL carries no credentials allowed to read $all');
    expect(sentence).toContain('esdb://admin:<password>@node-1:2113,node-2:2113?tls=true&tlsCAFile=/certs/ca.crt');
  });

  it('names the user that may not read $all, never its password', () => {
    const identity = connectionIdentity(`esdb+discover://reader:${PASSWORD}@cluster.local:2113?tls=true`);
    const sentence = describeAccessFailure(clientError(status.PERMISSION_DENIED, 'Access denied.', 'access-denied'), '$all', identity)!;
    expect(sentence).toContain('user "reader" of EVENTSTORE_URL may not read $all');
    expect(sentence).toContain('esdb+discover://admin:<password>@cluster.local:2113?tls=true');
    expect(sentence).not.toContain(PASSWORD);
  });

  it('tells rejected credentials from missing rights', () => {
    const identity = connectionIdentity(`esdb://admin:${PASSWORD}@localhost:2113?tls=true`);
    const sentence = describeAccessFailure(clientError(status.UNAUTHENTICATED, 'Bad credentials'), '$all', identity)!;
    expect(sentence).toContain('did not accept the credentials of user "admin"');
    expect(sentence).not.toContain(PASSWORD);
  });

  it('names the stream and what was refused when it is not $all', () => {
    const identity = connectionIdentity('esdb://localhost:2113?tls=true');
    const refused = clientError(status.PERMISSION_DENIED, 'Access denied.', 'access-denied');
    const sentence = describeAccessFailure(refused, 'client-42', identity, 'append to')!;
    expect(sentence).toMatch(/^EventStoreDB refused to let this service append to client-42 \(access denied\): /);
    expect(sentence).toContain('(or one granted read on $all and write on client-42)');
    expect(sentence).not.toContain('only admins may read $all');
  });

  it('leaves every other failure alone', () => {
    const identity = connectionIdentity('esdb://localhost:2113?tls=false');
    const unavailable = clientError(status.UNAVAILABLE, 'No connection established');
    expect(unavailable).toBeInstanceOf(UnavailableError);
    expect(describeAccessFailure(unavailable, '$all', identity)).toBeUndefined();
    expect(describeAccessFailure(clientError(status.NOT_FOUND, 'not found', 'stream-not-found'), '$all', identity)).toBeUndefined();
    expect(clientError(status.NOT_FOUND, 'not found', 'stream-not-found')).toBeInstanceOf(StreamNotFoundError);
    expect(() => rethrowAccessFailure(unavailable, '$all', identity)).toThrow(unavailable);
  });

  it('rethrows a refusal as an error whose message is the sentence, with the client error as its cause', () => {
    const refused = clientError(status.PERMISSION_DENIED, 'Access denied.', 'access-denied');
    const identity = connectionIdentity('esdb://localhost:2113?tls=true');
    let thrown: unknown;
    try {
      rethrowAccessFailure(refused, '$all', identity);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EsdbAccessError);
    expect((thrown as Error).message).toMatch(/^EventStoreDB refused to let this service read \$all \(access denied\): /);
    expect((thrown as Error).cause).toBe(refused);
  });
});
