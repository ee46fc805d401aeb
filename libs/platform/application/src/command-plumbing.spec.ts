import {
  commandIdFor,
  commandMetadata,
  entityIdFor,
  handleAndWait,
  latestPosition,
  metadataCausedBy,
  reactionMetadata,
  waitForProjections,
  type ReadModel,
} from './command-plumbing';
import { deterministicId } from './deterministic-id';
import { toIntegrationEvent } from './outbox-relay';
import { runWithCorrelation } from '@clientele/platform/logging';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A read model that records the positions it was asked to reach. */
function readModel(): ReadModel & { waited: bigint[] } {
  const waited: bigint[] = [];
  return {
    waited,
    waitFor: async (position) => {
      waited.push(position);
    },
  };
}

describe('command plumbing', () => {
  it('records a request’s correlation, its actor’s id and role (never its capabilities) and the account', () => {
    const actor = { id: 'u1', role: 'coach', accountId: 'a1', capabilities: ['create_clients'] };
    expect(commandMetadata({ correlationId: 'c1' }, actor)).toEqual({ correlationId: 'c1', actor: { id: 'u1', role: 'coach' }, accountId: 'a1' });
  });

  it('records a reaction’s cause: the integration event it reacts to, with that event’s correlation', () => {
    const event = { id: 'e1', metadata: { correlationId: 'c1', actor: { id: 'u1', role: 'coach' } } };
    expect(reactionMetadata(event, { actor: { id: 'billing', role: 'system' }, accountId: 'a1' })).toEqual({
      correlationId: 'c1',
      causationId: 'e1',
      actor: { id: 'billing', role: 'system' },
      accountId: 'a1',
    });
    expect(reactionMetadata(event)).toEqual({ correlationId: 'c1', causationId: 'e1' });
  });

  it('carries a processed event’s metadata over to what it causes', () => {
    const metadata = { correlationId: 'c1', actor: { id: 'u1', role: 'admin' }, accountId: 'a1' };
    expect(metadataCausedBy({ id: 'e1', metadata })).toEqual({ ...metadata, causationId: 'e1' });
  });

  it('records the traceparent of the span in hand (traces on), which the outbox carries to the integration event: its consumers join the trace', () => {
    const handling = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const recorded = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    const actor = { id: 'u1', role: 'coach', accountId: 'a1' };
    const event = { id: 'e1', metadata: { correlationId: 'c1', traceparent: recorded } };
    runWithCorrelation({ correlationId: 'c1', traceparent: handling }, () => {
      expect(commandMetadata({ correlationId: 'c1' }, actor)).toEqual({ correlationId: 'c1', actor: { id: 'u1', role: 'coach' }, accountId: 'a1', traceparent: handling });
      expect(reactionMetadata(event).traceparent).toBe(handling);
      expect(metadataCausedBy(event).traceparent).toBe(handling);
    });
    // Outside a span (traces off, or a processor without one): the cause's traceparent, else none.
    expect(reactionMetadata(event)).toEqual({ correlationId: 'c1', causationId: 'e1', traceparent: recorded });
    expect(metadataCausedBy(event)).toEqual({ correlationId: 'c1', causationId: 'e1', traceparent: recorded });
    expect(commandMetadata({ correlationId: 'c1' }, actor)).not.toHaveProperty('traceparent');
    const published = toIntegrationEvent(
      { id: 'e1', type: 'ClientAdded', streamName: 'client-1', revision: 0, position: 1n, data: {}, metadata: { correlationId: 'c1', traceparent: handling }, recordedAt: new Date() },
      'clients.client.added.v1',
      {},
    );
    expect(published.metadata).toEqual({ correlationId: 'c1', causationId: 'e1', actor: undefined, accountId: undefined, traceparent: handling });
    const untraced = toIntegrationEvent({ id: 'e2', type: 'ClientAdded', streamName: 'client-1', revision: 1, position: 2n, data: {}, metadata: {}, recordedAt: new Date() }, 's', {});
    expect(untraced.metadata).not.toHaveProperty('traceparent');
  });

  it('derives an entity id from the Idempotency-Key exactly as deterministicId does (stored events hold these ids), a fresh one without a key', () => {
    expect(entityIdFor({ idempotencyKey: 'k1' }, (key) => ['client', 'a1', key])).toBe(deterministicId('client', 'a1', 'k1'));
    expect(entityIdFor({ idempotencyKey: 'k1' }, (key) => ['import', 'a1', key, 3])).toBe(deterministicId('import', 'a1', 'k1', 3));
    const fresh = [entityIdFor({}, (key) => ['client', 'a1', key]), entityIdFor({}, (key) => ['client', 'a1', key])];
    expect(fresh[0]).toMatch(UUID);
    expect(fresh[1]).not.toBe(fresh[0]);
  });

  it('derives a command id from the Idempotency-Key; without one, the given fallback or a fresh uuid', () => {
    expect(commandIdFor({ idempotencyKey: 'k1' }, (key) => `change-type:${key}`)).toBe('change-type:k1');
    expect(commandIdFor({ idempotencyKey: 'k1' }, (key) => `schedule:u1:${key}`, 'schedule:s1')).toBe('schedule:u1:k1');
    expect(commandIdFor({}, (key) => `schedule:u1:${key}`, 'schedule:s1')).toBe('schedule:s1');
    expect(commandIdFor({}, (key) => `change-type:${key}`)).toMatch(UUID);
  });

  it('finds the latest of some positions, null for none', () => {
    expect(latestPosition(3n, null, 7n, undefined, 5n)).toBe(7n);
    expect(latestPosition(null, undefined)).toBeNull();
    expect(latestPosition()).toBeNull();
  });

  it('waits for every read model up to the position, and for none when nothing was appended', async () => {
    const views = readModel();
    const signIns = readModel();
    await waitForProjections(9n, views, signIns);
    await waitForProjections(null, views, signIns);
    expect(views.waited).toEqual([9n]);
    expect(signIns.waited).toEqual([9n]);
  });

  it('answers a command’s result once its read models show it', async () => {
    const views = readModel();
    const result = { position: 4n, events: ['ClientAdded'] };
    await expect(handleAndWait(Promise.resolve(result), views)).resolves.toBe(result);
    expect(views.waited).toEqual([4n]);
    await handleAndWait(Promise.resolve({ position: null }), views);
    expect(views.waited).toEqual([4n]);
  });

  it('lets a read model that does not catch up fail the request', async () => {
    const behind: ReadModel = { waitFor: () => Promise.reject(new Error('read model behind')) };
    await expect(handleAndWait(Promise.resolve({ position: 1n }), behind)).rejects.toThrow('read model behind');
  });
});
