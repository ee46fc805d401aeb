import { ConfigError, loadConfig } from './config';

/** Issue 17, finding 7: X-Forwarded-For is believed only from the proxies this setting lists. */
describe('CLIENTELE_TRUSTED_PROXIES', () => {
  const problemsOf = (value: string) => {
    try {
      loadConfig({ CLIENTELE_TRUSTED_PROXIES: value }, '/srv');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error(`expected "${value}" to be refused`);
  };

  it('trusts no proxy by default, in every profile', () => {
    expect(loadConfig({}, '/srv').trustedProxies).toEqual([]);
    expect(
      loadConfig({ CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox' }, '/srv')
        .trustedProxies,
    ).toEqual([]);
  });

  it('takes IPv4 and IPv6 addresses and CIDR ranges, comma-separated', () => {
    expect(loadConfig({ CLIENTELE_TRUSTED_PROXIES: ' 127.0.0.1, 172.28.0.0/24 ,fd00::5,fd00::/64, ' }, '/srv').trustedProxies).toEqual([
      '127.0.0.1',
      '172.28.0.0/24',
      'fd00::5',
      'fd00::/64',
    ]);
  });

  it('refuses what is not an address or a range, with a sentence saying how to write one', () => {
    expect(problemsOf('caddy')).toEqual([
      'CLIENTELE_TRUSTED_PROXIES: "caddy" is neither an IP address nor a CIDR range; list the proxies as addresses (10.0.0.5, fd00::5) or ranges (10.0.0.0/24), separated by commas.',
    ]);
    expect(problemsOf('10.0.0.1;10.0.0.2')).toHaveLength(1);
    expect(problemsOf('300.1.1.1')).toHaveLength(1);
    expect(problemsOf('10.0.0.0/24/8')).toHaveLength(1);
  });

  it('refuses a prefix length out of range', () => {
    expect(problemsOf('10.0.0.0/33')).toEqual([
      'CLIENTELE_TRUSTED_PROXIES: "10.0.0.0/33" has an invalid prefix length; an IPv4 range ends in /0 to /32, e.g. 10.0.0.0/24.',
    ]);
    expect(problemsOf('fd00::/129')).toEqual([
      'CLIENTELE_TRUSTED_PROXIES: "fd00::/129" has an invalid prefix length; an IPv6 range ends in /0 to /128, e.g. fd00::/64.',
    ]);
    expect(problemsOf('10.0.0.0/abc')).toHaveLength(1);
  });

  it('refuses trusting every address: that is the hole this setting closes', () => {
    expect(problemsOf('0.0.0.0/0')).toEqual([
      'CLIENTELE_TRUSTED_PROXIES: "0.0.0.0/0" trusts every address, so any client could choose its own address in X-Forwarded-For; list only the proxies in front of the gateway.',
    ]);
    expect(problemsOf('10.0.0.1,::/0')).toHaveLength(1);
  });
});
