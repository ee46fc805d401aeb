import { ConfigError, describeConfig, loadConfig } from './config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
};

describe('payments settings (issue 22)', () => {
  it('takes another address for Stripe’s API, http or https, and Stripe’s own when unset', () => {
    expect(loadConfig({}, '/srv').stripeApiUrl).toBeUndefined();
    expect(loadConfig({ STRIPE_API_URL: 'http://127.0.0.1:12111' }, '/srv').stripeApiUrl).toBe('http://127.0.0.1:12111');
    expect(problemsOf({ STRIPE_API_URL: 'api.stripe.com' })).toEqual(['STRIPE_API_URL must be a URL (http://... or https://...); "api.stripe.com" is not one.']);
    expect(problemsOf({ STRIPE_API_URL: 'ftp://stripe' })).toEqual(['STRIPE_API_URL must start with http:// or https://; "ftp://stripe" does not.']);
    expect(JSON.stringify(describeConfig(loadConfig({ STRIPE_API_URL: 'https://egress:proxypass@proxy:8443' }, '/srv')))).not.toContain('proxypass');
  });

  it('completes checkouts without a provider at once outside production only, unless told not to', () => {
    expect(loadConfig({}, '/srv').immediatePayments).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv').immediatePayments).toBe(true);
    expect(loadConfig({ CLIENTELE_IMMEDIATE_PAYMENTS: 'false' }, '/srv').immediatePayments).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }, '/srv').immediatePayments).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CLIENTELE_IMMEDIATE_PAYMENTS: 'false' }, '/srv').immediatePayments).toBe(false);
    expect(problemsOf({ NODE_ENV: 'production', CLIENTELE_IMMEDIATE_PAYMENTS: 'true' })).toEqual([expect.stringContaining('without a payment in production')]);
    expect(problemsOf({ CLIENTELE_IMMEDIATE_PAYMENTS: 'yes' })).toEqual(['CLIENTELE_IMMEDIATE_PAYMENTS must be one of true, false; it is "yes".']);
  });
});
