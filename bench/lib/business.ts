/**
 * The set-up every scenario that drives a deployment over HTTP starts with: a business signed up
 * on it, and the HTTP clients the load runs through. Not timed: the figures start after it.
 */
import { Business, signUp } from '../../test/support/http';
import type { Figure } from './figures';
import { HttpClient } from './load';
import type { Scenario, ScenarioContext } from './scenario';
import type { RunningSystem } from './system';

export interface SignedUp {
  business: Business;
  /** The business owner's client (an admin's token). */
  admin: HttpClient;
  /** Another client on the same deployment: anonymous, or with a token (a client's login, say). */
  open(token?: string): HttpClient;
}

/** Signs a business up on `system` and runs `work` with it; every client it opened is closed when `work` ends, however it ends. */
export async function withBusiness<T>(system: RunningSystem, work: (signedUp: SignedUp) => Promise<T>): Promise<T> {
  const business = await signUp(system.api);
  const opened: HttpClient[] = [];
  const open = (token?: string) => {
    const client = new HttpClient(system.url, token);
    opened.push(client);
    return client;
  };
  const admin = open(business.token);
  try {
    return await work({ business, admin, open });
  } finally {
    for (const client of opened) client.close();
  }
}

/** A scenario that drives the deployment it `needs` over HTTP, run with a business signed up on it (`withBusiness`). */
export function scenarioOnBusiness(
  scenario: Omit<Scenario, 'needs' | 'run'> & {
    needs: 'embedded' | 'distributed';
    run(context: ScenarioContext, system: RunningSystem, signedUp: SignedUp): Promise<Figure[]>;
  },
): Scenario {
  return {
    ...scenario,
    async run(context) {
      const system = await context[scenario.needs]();
      return withBusiness(system, (signedUp) => scenario.run(context, system, signedUp));
    },
  };
}
