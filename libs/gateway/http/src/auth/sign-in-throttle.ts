import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { limitKey } from './limit-keys';
import { KNOWN_SIGN_IN_LIFE_MS, RateLimitRecords } from './rate-limit-records';
import { RateLimitedError, secondsPhrase } from './rate-limited.error';

/**
 * Growing delays after failed sign-ins, per account (OWASP: credential stuffing and the
 * authentication cheat sheet), without letting an attacker lock the real user out.
 *
 * Two counts of failures (a wrong password or an unknown address alike: 401 invalid_credentials),
 * each forgotten an hour after its last failure:
 * - per (address signed in with, client address): after PER_ADDRESS.free failures the next attempt
 *   from that client address waits 1 s, then 2 s, 4 s, ... doubling with each failure, up to
 *   15 minutes. This is what slows a guesser down; it never touches anyone at another address. A
 *   success resets it.
 * - per address signed in with, from anywhere: after ACCOUNT.free failures every attempt waits 1 s,
 *   2 s, ... but never more than 30 s. This slows a guesser who spreads over many client
 *   addresses (at most ~140 guesses an hour per account), and its low cap keeps the delay it puts
 *   on the real user short. Its threshold is well above the per-address one, so that a few people
 *   behind different addresses mistyping one shared login do not set it off. It is not reset by a
 *   success (that would hand the guesser fresh free attempts each time the user signs in).
 * - A client address the login signed in from in the last 30 days is that user's own: the
 *   account-wide count does not hold it back at all (only its own per-address count does). So
 *   however hard an attacker hammers from elsewhere, the user signs in from their usual places
 *   at once. From a new place they wait at most 30 s a try (an attacker who takes every slot the
 *   moment it opens can make that longer: the price of slowing a spread-out guesser at all).
 *
 * In the delayed stretch, the attempt that is let through takes the next slot at once (the check
 * writes): parallel requests cannot all slip through the moment a delay ends.
 *
 * The answer is the same for an address that has no login: 429 rate_limited, with Retry-After
 * and a sentence that says nothing about whether the account exists. Records are keyed by an HMAC
 * of the address (and client address), never the address itself.
 */
export const PER_ADDRESS = { free: 5, capSeconds: 15 * 60 };
export const ACCOUNT = { free: 20, capSeconds: 30 };
const FAILURES_REMEMBERED_MS = 60 * 60_000;

interface Failures {
  failures: number;
  /** No attempt before (ms since the epoch). */
  nextAttemptAt: number;
}

/** The wait after `failures` failures: none for the first `free` ones, then 1 s doubling, capped. */
export function delaySeconds(failures: number, limits: { free: number; capSeconds: number }): number {
  if (failures < limits.free) return 0;
  return Math.min(limits.capSeconds, 2 ** Math.min(30, failures - limits.free));
}

@Injectable()
export class SignInThrottle {
  constructor(
    private readonly records: RateLimitRecords,
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
  ) {}

  /** Refuses (429) an attempt that must wait; otherwise lets it through and takes its slot. */
  async admit(email: string, clientIp: string): Promise<void> {
    const keys = this.keys(email, clientIp);
    const [, known] = await Promise.all([this.takeSlot(keys.pair, PER_ADDRESS), this.isKnown(keys.known)]);
    if (!known) await this.takeSlot(keys.account, ACCOUNT);
  }

  async failed(email: string, clientIp: string): Promise<void> {
    const keys = this.keys(email, clientIp);
    await Promise.all([this.countFailure(keys.pair, PER_ADDRESS), this.countFailure(keys.account, ACCOUNT)]);
  }

  async succeeded(email: string, clientIp: string): Promise<void> {
    const keys = this.keys(email, clientIp);
    await Promise.all([
      this.records.counters.modify<void, Failures>(keys.pair, () => ({ result: undefined })),
      this.records.knownSignIns.modify<void, true>(keys.known, (_current, now) => ({ record: { value: true, expiresAt: now + KNOWN_SIGN_IN_LIFE_MS }, result: undefined })),
    ]);
  }

  private takeSlot(key: string, limits: { free: number; capSeconds: number }): Promise<void> {
    return this.records.counters
      .modify<number, Failures>(key, (current, now) => {
        if (!current) return { write: false, result: 0 };
        if (now < current.nextAttemptAt) return { write: false, result: Math.max(1, Math.ceil((current.nextAttemptAt - now) / 1000)) };
        const delay = delaySeconds(current.failures, limits);
        if (delay === 0) return { write: false, result: 0 };
        return { record: { value: { ...current, nextAttemptAt: now + delay * 1000 }, expiresAt: now + FAILURES_REMEMBERED_MS }, result: 0 };
      })
      .then((waitSeconds) => {
        if (waitSeconds > 0) {
          throw new RateLimitedError(
            waitSeconds,
            (seconds) => `Too many unsuccessful sign-ins with this e-mail address; wait ${secondsPhrase(seconds)} and try again, or reset the password.`,
          );
        }
      });
  }

  private countFailure(key: string, limits: { free: number; capSeconds: number }): Promise<void> {
    return this.records.counters.modify<void, Failures>(key, (current, now) => {
      const failures = (current?.failures ?? 0) + 1;
      const nextAttemptAt = Math.max(current?.nextAttemptAt ?? 0, now + delaySeconds(failures, limits) * 1000);
      return { record: { value: { failures, nextAttemptAt }, expiresAt: now + FAILURES_REMEMBERED_MS }, result: undefined };
    });
  }

  private isKnown(key: string): Promise<boolean> {
    return this.records.knownSignIns.modify<boolean, true>(key, (current) => ({ write: false, result: current === true }));
  }

  /** Record keys: an HMAC of the normalised address (and client address), so NATS never holds either (limitKey). */
  private keys(email: string, clientIp: string): { pair: string; account: string; known: string } {
    const account = email.trim().toLowerCase();
    const ip = normalizeIp(clientIp ?? '', 64);
    const digest = (...parts: string[]) => limitKey(this.deps.jwtSecret, 'sign-in', ...parts);
    return { pair: `signin.pair.${digest(account, ip)}`, account: `signin.account.${digest(account)}`, known: `known.${digest(account, ip)}` };
  }
}
