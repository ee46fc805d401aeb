import { InMemoryRecords } from '@clientele/platform/coordination';
import type { GatewayDeps } from '../gateway.deps';
import type { RateLimitRecords } from './rate-limit-records';
import { RateLimitedError } from './rate-limited.error';
import { ACCOUNT, PER_ADDRESS, SignInThrottle, delaySeconds } from './sign-in-throttle';

/** The throttle over this process's records, on a clock the test moves. */
function throttle() {
  const clock = { now: 1_700_000_000_000 };
  const records = { counters: new InMemoryRecords(() => clock.now), knownSignIns: new InMemoryRecords(() => clock.now) } as unknown as RateLimitRecords;
  const signIns = new SignInThrottle(records, { jwtSecret: 'x'.repeat(40) } as GatewayDeps);
  /** The seconds to wait, or 0 when the attempt is let through. */
  const attempt = async (email: string, ip: string): Promise<number> => {
    try {
      await signIns.admit(email, ip);
      return 0;
    } catch (error) {
      if (error instanceof RateLimitedError) return error.retryAfterSeconds;
      throw error;
    }
  };
  /** An attempt with a wrong password: its wait, or 0 after counting the failure. */
  const fail = async (email: string, ip: string): Promise<number> => {
    const wait = await attempt(email, ip);
    if (wait === 0) await signIns.failed(email, ip);
    return wait;
  };
  const pass = (seconds: number) => (clock.now += seconds * 1000);
  return { signIns, attempt, fail, pass };
}

describe('SignInThrottle', () => {
  it('doubles the wait after each failure past the free ones, up to 15 minutes, per e-mail address and client address', async () => {
    const { fail, attempt, pass } = throttle();
    const waits: number[] = [];
    for (let i = 0; i < 18; i++) {
      expect(await fail('maya@example.com', '203.0.113.1')).toBe(0);
      waits.push(await attempt('maya@example.com', '203.0.113.1'));
      pass(waits[i]);
    }
    expect(waits).toEqual([0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]);
  });

  it('counts an address without a login exactly like one with a login, case and spaces aside', async () => {
    const { fail, attempt } = throttle();
    for (let i = 0; i < PER_ADDRESS.free; i++) await fail(' Maya@Example.com', '203.0.113.1');
    expect(await attempt('maya@example.com', '203.0.113.1')).toBe(1);
  });

  it('counts the IPv6 addresses of one /64 (one host or one customer network) as one client address', async () => {
    const { fail, attempt } = throttle();
    // An attacker rotating through the addresses of their own /64 gains nothing.
    for (let i = 0; i < PER_ADDRESS.free; i++) await fail('maya@example.com', `2001:db8:1234:5678::${(i + 1).toString(16)}`);
    expect(await attempt('maya@example.com', '2001:db8:1234:5678:ffff::9')).toBe(1);
    // Another /64 is another client address.
    expect(await attempt('maya@example.com', '2001:db8:1234:5679::1')).toBe(0);
  });

  it('lets one attempt through when a wait ends, not all the parallel ones', async () => {
    const { fail, attempt, pass } = throttle();
    for (let i = 0; i < PER_ADDRESS.free + 2; i++) {
      await fail('maya@example.com', '203.0.113.1');
      pass(60);
    }
    const parallel = await Promise.all(Array.from({ length: 5 }, () => attempt('maya@example.com', '203.0.113.1')));
    expect(parallel.filter((wait) => wait === 0)).toHaveLength(1);
  });

  it('starts over at the client address of a successful sign-in', async () => {
    const { fail, attempt, pass, signIns } = throttle();
    for (let i = 0; i < PER_ADDRESS.free + 1; i++) {
      await fail('maya@example.com', '203.0.113.1');
      pass(10);
    }
    expect(await attempt('maya@example.com', '203.0.113.1')).toBe(0);
    await signIns.succeeded('maya@example.com', '203.0.113.1');
    for (let i = 0; i < PER_ADDRESS.free - 1; i++) expect(await fail('maya@example.com', '203.0.113.1')).toBe(0);
    expect(await attempt('maya@example.com', '203.0.113.1')).toBe(0);
  });

  it('holds back every client address of an account after many failures spread over many addresses, never more than 30 s', async () => {
    const { fail, attempt, pass } = throttle();
    const waits: number[] = [];
    for (let i = 0; i < ACCOUNT.free + 8; i++) {
      const wait = await fail('maya@example.com', `198.51.100.${i}`);
      if (wait > 0) {
        waits.push(wait);
        pass(wait);
        expect(await fail('maya@example.com', `198.51.100.${i}`)).toBe(0);
      }
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
    expect(await attempt('maya@example.com', '198.51.100.250')).toBeGreaterThan(0);
    // Another account is not affected.
    expect(await attempt('ada@example.com', '198.51.100.250')).toBe(0);
  });

  it('never holds back the real user at a client address they signed in from, however many failures elsewhere', async () => {
    const { fail, attempt, signIns } = throttle();
    expect(await attempt('maya@example.com', '192.0.2.7')).toBe(0);
    await signIns.succeeded('maya@example.com', '192.0.2.7');
    for (let i = 0; i < 200; i++) await fail('maya@example.com', `198.51.100.${i % 250}`);
    expect(await attempt('maya@example.com', '198.51.100.251')).toBeGreaterThan(0);
    expect(await attempt('maya@example.com', '192.0.2.7')).toBe(0);
  });

  it('waits nothing for the free failures, then 1 s doubling, capped', () => {
    expect([0, 4, 5, 6, 14, 15, 100].map((f) => delaySeconds(f, PER_ADDRESS))).toEqual([0, 0, 1, 2, 512, 900, 900]);
    expect([19, 20, 24, 25, 1000].map((f) => delaySeconds(f, ACCOUNT))).toEqual([0, 1, 16, 30, 30]);
  });
});
