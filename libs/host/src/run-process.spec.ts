import { ConfigError } from '@clientele/platform/config';
import { loadProcessConfig } from './run-process';

const distributed = { CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox' };

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
};

describe('loadProcessConfig', () => {
  it('hosts what CLIENTELE_SERVICES says in apps/standalone: every service by default', () => {
    expect(loadProcessConfig(undefined, {}).services).toHaveLength(7);
    expect(loadProcessConfig(undefined, { ...distributed, CLIENTELE_SERVICES: 'clients,billing' }).services).toEqual(['clients', 'billing']);
  });

  it("hosts a service app's own service, whether CLIENTELE_SERVICES is unset or names it", () => {
    expect(loadProcessConfig('clients', distributed).services).toEqual(['clients']);
    expect(loadProcessConfig('clients', { ...distributed, CLIENTELE_SERVICES: ' ' }).services).toEqual(['clients']);
    expect(loadProcessConfig('gateway', { ...distributed, CLIENTELE_SERVICES: 'gateway' }).services).toEqual(['gateway']);
  });

  it('refuses a CLIENTELE_SERVICES that names another service, or more than its own', () => {
    for (const other of ['billing', 'clients,billing']) {
      expect(problemsOf(() => loadProcessConfig('clients', { ...distributed, CLIENTELE_SERVICES: other }))).toEqual([
        expect.stringMatching(/^This is the clients service's process \(apps\/clients\), but CLIENTELE_SERVICES names .*run apps\/standalone/),
      ]);
    }
  });

  it('needs the NATS bus, as any process hosting only some services does', () => {
    expect(problemsOf(() => loadProcessConfig('clients', {}))).toEqual([expect.stringContaining('set CLIENTELE_BUS=nats')]);
  });
});
