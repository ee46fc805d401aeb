import type { Lease, Leases } from '@clientele/platform/coordination';
import { FencedOffError, WriteOp } from '@clientele/platform/document-store';
import { LeaseLostError, LeadershipHooks, ProcessorLeadership } from './processor-runner-leadership';

/** A lease this test hands out and takes back by hand. */
class ManualLease implements Lease {
  readonly name = 'counter';
  held = false;
  releases = 0;
  private nextToken = 1n;
  private grant: (() => void) | null = null;
  private readonly lostListeners: Array<(reason: string) => void> = [];

  acquire(signal?: AbortSignal): Promise<bigint> {
    return new Promise((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new Error('aborted')));
      this.grant = () => {
        this.held = true;
        resolve(this.nextToken++);
      };
    });
  }

  /** Lets the replica waiting for the lease take it. */
  give(): void {
    this.grant?.();
    this.grant = null;
  }

  take(reason: string): void {
    this.held = false;
    for (const listener of this.lostListeners) listener(reason);
  }

  isHeld(): boolean {
    return this.held;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  async release(): Promise<void> {
    this.held = false;
    this.releases++;
  }
}

describe('ProcessorLeadership', () => {
  const setUp = (lease?: ManualLease) => {
    const log: string[] = [];
    const commits: WriteOp[][] = [];
    const leases = lease && ({ lease: () => lease } as unknown as Leases);
    const hooks: LeadershipHooks = {
      activate: async () => void log.push('activate'),
      deactivate: async (wasActive) => void log.push(`deactivate(${wasActive})`),
      onLeadership: (active, detail) => log.push(`${active ? 'active' : 'passive'}: ${detail}`),
      onError: (error) => log.push(`error: ${(error as Error).message}`),
    };
    const documents = { commit: async (ops: readonly WriteOp[]) => void commits.push([...ops]) };
    return { leadership: new ProcessorLeadership('counter', documents, leases, hooks), log, commits };
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
  const upsert: WriteOp = { op: 'upsert', collection: 'seen', doc: { id: 'a' } };

  it('without leases: active from start to stop, writes unfenced, and no failure means it lost', async () => {
    const { leadership, log } = setUp();
    await leadership.start();
    expect(leadership.isActive).toBe(true);
    expect(leadership.fenced([upsert])).toEqual([upsert]);
    expect(() => leadership.assertHeld()).not.toThrow();
    expect(leadership.holdsLease()).toBe(true);
    expect(leadership.isLoss(new FencedOffError('counter', 1n, 2n))).toBe(false);
    await leadership.stop();
    expect(leadership.isActive).toBe(false);
    expect(log).toEqual(['activate', 'deactivate(true)']);
  });

  it('with a lease: waits for it, claims the store with its token, then activates and fences every write', async () => {
    const lease = new ManualLease();
    const { leadership, log, commits } = setUp(lease);
    await leadership.start();
    expect(leadership.isActive).toBe(false);
    expect(() => leadership.assertHeld()).toThrow(LeaseLostError);
    lease.give();
    await settle();
    expect(commits).toEqual([[{ op: 'fence', processor: 'counter', token: 1n }]]);
    expect(log).toEqual(['active: fencing token 1', 'activate']);
    expect(leadership.isActive).toBe(true);
    expect(leadership.fence).toBe(1n);
    expect(leadership.fenced([upsert])).toEqual([{ op: 'fence', processor: 'counter', token: 1n }, upsert]);
    await leadership.stop();
    expect(log.slice(2)).toEqual(['deactivate(true)', 'deactivate(false)']);
    expect(leadership.fence).toBeNull();
    expect(lease.releases).toBe(1);
  });

  it('stands down when the lease is lost, and takes it again with a new token', async () => {
    const lease = new ManualLease();
    const { leadership, log } = setUp(lease);
    await leadership.start();
    lease.give();
    await settle();
    lease.take('renewal refused');
    await settle();
    expect(leadership.isActive).toBe(false);
    expect(leadership.holdsLease()).toBe(false);
    expect(() => leadership.fenced([upsert])).toThrow(LeaseLostError);
    expect(lease.releases).toBe(1);
    lease.give();
    await settle();
    expect(leadership.fence).toBe(2n);
    expect(log).toEqual(['active: fencing token 1', 'activate', 'passive: renewal refused', 'deactivate(true)', 'active: fencing token 2', 'activate']);
    await leadership.stop();
  });

  it('counts a refused or unfenced write as a lost lease, and stands down on it', async () => {
    const lease = new ManualLease();
    const { leadership, log } = setUp(lease);
    await leadership.start();
    lease.give();
    await settle();
    expect(leadership.isLoss(new FencedOffError('counter', 1n, 2n))).toBe(true);
    expect(leadership.isLoss(new LeaseLostError('counter'))).toBe(true);
    expect(leadership.isLoss(new Error('projection failed'))).toBe(false);
    leadership.lose('fenced off');
    await settle();
    expect(log.slice(2)).toEqual(['passive: fenced off', 'deactivate(true)']);
    await leadership.stop();
  });

  it('a stop that comes as the lease is granted returns, and the replica never activates with it', async () => {
    const lease = new ManualLease();
    const { leadership, log, commits } = setUp(lease);
    await leadership.start();
    // The grant resolves the acquisition; the stop runs before the leader's code after it does.
    lease.give();
    const stopped = leadership.stop().then(() => 'stopped');
    await expect(Promise.race([stopped, new Promise((resolve) => setTimeout(() => resolve('still stopping after 2 s'), 2000))])).resolves.toBe('stopped');
    expect(log).not.toContain('activate');
    expect(commits).toEqual([]);
    expect(leadership.isActive).toBe(false);
    expect(lease.releases).toBe(1);
  });
});
