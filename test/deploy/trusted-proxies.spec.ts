import { loadConfig } from '@clientele/platform/config';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * Issue 17, finding 7, in docker-compose.yml: the gateways believe X-Forwarded-For only from the
 * network the proxy alone shares with them, and the proxy is on that network only (so whatever
 * address a gateway sees it forward from is in the trusted range).
 */
interface Service {
  environment?: Record<string, string>;
  networks?: string[];
}
const compose = parse(readFileSync(resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
};

describe('docker-compose.yml: trusted proxies', () => {
  it('trusts exactly the edge network, which holds only the proxy and the gateways', () => {
    const [{ subnet }] = compose.networks.edge.ipam.config;
    expect(compose.services.gateway.environment?.CLIENTELE_TRUSTED_PROXIES).toBe(subnet);
    expect(compose.services.proxy.networks).toEqual(['edge']);
    const onEdge = Object.entries(compose.services).filter(([, service]) => service.networks?.includes('edge')).map(([name]) => name);
    expect(onEdge.sort()).toEqual(['gateway', 'proxy']);
    // A value the gateway accepts.
    expect(loadConfig({ CLIENTELE_TRUSTED_PROXIES: subnet }, '/srv').trustedProxies).toEqual([subnet]);
  });

  it('trusts no proxy in the services that take no HTTP', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'gateway') expect({ name, trusted: service.environment?.CLIENTELE_TRUSTED_PROXIES }).toEqual({ name, trusted: undefined });
    }
  });
});
