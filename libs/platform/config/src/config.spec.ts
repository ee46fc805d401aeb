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

describe('loadConfig', () => {
  it('runs the embedded profile with no settings at all', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({
      profile: 'embedded',
      eventStore: 'sqlite',
      documentStore: 'sqlite',
      bus: 'in-process',
      mail: 'dev-mailbox',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      dataDir: '/srv/data',
      natsServers: ['nats://127.0.0.1:4222'],
      requestTimeoutMs: 5000,
    });
    expect(config.services).toHaveLength(7);
  });

  it('takes the distributed defaults from the profile and lets each adapter be overridden', () => {
    const config = loadConfig(
      { CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox', CLIENTELE_SERVICES: 'clients, billing' },
      '/srv',
    );
    expect(config).toMatchObject({ bus: 'nats', eventStore: 'sqlite', documentStore: 'sqlite', services: ['clients', 'billing'] });
  });

  it('names what is missing for the distributed engines', () => {
    const problems = problemsOf({ CLIENTELE_PROFILE: 'distributed' });
    expect(problems).toEqual([
      expect.stringContaining('needs EVENTSTORE_URL'),
      expect.stringContaining('needs MONGO_URL'),
      expect.stringContaining('needs SENDGRID_API_KEY'),
    ]);
  });

  it('refuses an unknown Clientele setting and suggests the near one', () => {
    expect(problemsOf({ CLIENTELE_PROFLE: 'embedded' })).toEqual([
      'CLIENTELE_PROFLE is not a Clientele setting; did you mean CLIENTELE_PROFILE? Known settings are listed in the README.',
    ]);
  });

  it('says plainly when an unknown setting is nothing like a known one', () => {
    expect(problemsOf({ CLIENTELE_WHATEVER_ELSE_ENTIRELY: '1' })).toEqual([
      'CLIENTELE_WHATEVER_ELSE_ENTIRELY is not a Clientele setting. Known settings are listed in the README.',
    ]);
  });

  it('refuses malformed values with a sentence each, all at once', () => {
    const problems = problemsOf({ PORT: '80a', CLIENTELE_BUS: 'kafka', NATS_URL: 'http://x', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    expect(problems).toEqual([
      'CLIENTELE_BUS must be one of in-process, nats; it is "kafka".',
      'PORT must be a whole number from 0 to 65535; it is "80a".',
      'NATS_URL must start with nats:// or tls:// or ws:// or wss://; the value given does not.',
      expect.stringContaining('JWT_SECRET must be at least 32 characters'),
      'LOG_LEVEL must be one of debug, info, warn, error; it is "loud".',
    ]);
  });

  it('takes an ack wait for the NATS bus and a delay for the dev mailbox, and says when they do not apply', () => {
    const nats = { CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox' };
    expect(loadConfig({}, '/srv')).toMatchObject({ busAckWaitMs: undefined, devMailboxDelayMs: 0 });
    expect(loadConfig({ ...nats, CLIENTELE_BUS_ACK_WAIT_MS: '1000', CLIENTELE_DEV_MAILBOX_DELAY_MS: '3000' }, '/srv')).toMatchObject({
      busAckWaitMs: 1000,
      devMailboxDelayMs: 3000,
    });
    expect(problemsOf({ ...nats, CLIENTELE_BUS_ACK_WAIT_MS: '500' })).toEqual(['CLIENTELE_BUS_ACK_WAIT_MS must be a whole number from 1000 to 600000; it is "500".']);
    expect(problemsOf({ ...nats, CLIENTELE_BUS_ACK_WAIT_MS: '5s' })).toEqual(['CLIENTELE_BUS_ACK_WAIT_MS must be a whole number from 1000 to 600000; it is "5s".']);
    expect(problemsOf({ CLIENTELE_BUS_ACK_WAIT_MS: '8000' })).toEqual([expect.stringContaining('applies to the NATS bus only')]);
    expect(problemsOf({ ...nats, CLIENTELE_DEV_MAILBOX_DELAY_MS: '-1' })).toEqual(['CLIENTELE_DEV_MAILBOX_DELAY_MS must be a whole number from 0 to 60000; it is "-1".']);
    expect(problemsOf({ ...nats, CLIENTELE_MAIL: 'sendgrid', SENDGRID_API_KEY: 'SG.x', CLIENTELE_DEV_MAILBOX_DELAY_MS: '3000' })).toEqual([
      expect.stringContaining('slows down the dev mailbox only'),
    ]);
  });

  it('serves the unauthenticated dev mailbox only on a loopback address or when asked, and never in production (issue 17)', () => {
    const served = (env: Record<string, string>) => loadConfig(env, '/srv').devMailboxServed;
    expect(served({})).toBe(true);
    for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost', '127.0.0.2']) expect({ host, served: served({ HOST: host }) }).toEqual({ host, served: true });
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'clientele.example']) expect({ host, served: served({ HOST: host }) }).toEqual({ host, served: false });
    expect(served({ HOST: '0.0.0.0', CLIENTELE_DEV_MAILBOX: 'true' })).toBe(true);
    expect(served({ HOST: '127.0.0.1', CLIENTELE_DEV_MAILBOX: 'false' })).toBe(false);
    expect(served({ NODE_ENV: 'production' })).toBe(false);
    expect(problemsOf({ NODE_ENV: 'production', CLIENTELE_DEV_MAILBOX: 'true' })).toEqual([expect.stringContaining('CLIENTELE_DEV_MAILBOX=true would let anyone read every mail')]);
    expect(problemsOf({ CLIENTELE_DEV_MAILBOX: 'yes' })).toEqual(['CLIENTELE_DEV_MAILBOX must be one of true, false; it is "yes".']);
  });

  it('serves /metrics on the public port only with CLIENTELE_METRICS_PUBLIC=true, and the admin port is any process\'s (issue 24)', () => {
    expect(loadConfig({}, '/srv')).toMatchObject({ metricsPublic: false, healthPort: undefined });
    expect(loadConfig({ CLIENTELE_METRICS_PUBLIC: 'true' }, '/srv').metricsPublic).toBe(true);
    expect(loadConfig({ CLIENTELE_METRICS_PUBLIC: 'false', CLIENTELE_HEALTH_PORT: '9464' }, '/srv')).toMatchObject({ metricsPublic: false, healthPort: 9464 });
    expect(problemsOf({ CLIENTELE_METRICS_PUBLIC: 'yes' })).toEqual(['CLIENTELE_METRICS_PUBLIC must be one of true, false; it is "yes".']);
  });

  it('takes a crash point for tests (CLIENTELE_CRASH_ONCE) only well formed, and never in production', () => {
    expect(() => loadConfig({ CLIENTELE_CRASH_ONCE: 'billing.provider-event-recorded:/tmp/crashed' }, '/srv')).not.toThrow();
    expect(problemsOf({ CLIENTELE_CRASH_ONCE: 'billing.provider-event-recorded' })).toEqual([expect.stringMatching(/^CLIENTELE_CRASH_ONCE must be <crash point name>:<marker file path>/)]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), CLIENTELE_CRASH_ONCE: 'billing.provider-event-recorded:/tmp/crashed' })).toContain(
      'CLIENTELE_CRASH_ONCE makes the process kill itself on purpose, for tests; unset it in production.',
    );
  });

  it('refuses a split of services on the in-process bus', () => {
    expect(problemsOf({ CLIENTELE_SERVICES: 'clients' })).toEqual([expect.stringContaining('set CLIENTELE_BUS=nats')]);
    expect(problemsOf({ CLIENTELE_SERVICES: 'clients,payroll', CLIENTELE_BUS: 'nats' })).toEqual([
      expect.stringContaining('unknown services (payroll)'),
    ]);
  });

  it('takes the NATS credentials out of NATS_URL for the client, which ignores them in a URL (issue 17)', () => {
    const nats = { CLIENTELE_BUS: 'nats', CLIENTELE_SERVICES: 'clients' };
    expect(loadConfig({ ...nats, NATS_URL: 'nats://svc:p%40ss%3Aw0rd@nats-1:4222,nats://svc:p%40ss%3Aw0rd@nats-2:4222' }, '/srv')).toMatchObject({
      natsServers: ['nats://nats-1:4222', 'nats://nats-2:4222'],
      natsAuth: { user: 'svc', pass: 'p@ss:w0rd' },
    });
    expect(loadConfig({ ...nats, NATS_URL: 'nats://s3cr3t-token@nats:4222' }, '/srv')).toMatchObject({ natsServers: ['nats://nats:4222'], natsAuth: { token: 's3cr3t-token' } });
    expect(loadConfig({ ...nats, NATS_URL: 'nats://nats:4222' }, '/srv').natsAuth).toBeUndefined();
    const mixed = problemsOf({ ...nats, NATS_URL: 'nats://svc:one@nats-1:4222,nats://nats-2:4222' });
    expect(mixed).toEqual([expect.stringContaining('give every server of the cluster the same ones')]);
    expect(mixed.join(' ')).not.toContain('one@');
  });

  it('takes MongoDB and EventStoreDB connection strings with several hosts, as a replica set or cluster needs, and masks their credentials', () => {
    const config = loadConfig(
      {
        CLIENTELE_PROFILE: 'distributed',
        CLIENTELE_MAIL: 'dev-mailbox',
        EVENTSTORE_URL: 'esdb+discover://admin:esdbsecret@es-1:2113,es-2:2113,es-3:2113?tls=true',
        MONGO_URL: 'mongodb://root:mongosecret@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin',
      },
      '/srv',
    );
    expect(config.mongoUrl).toBe('mongodb://root:mongosecret@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin');
    const described = describeConfig(config);
    expect(described.mongoUrl).toBe('mongodb://[redacted]:[redacted]@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin');
    expect(JSON.stringify(described)).not.toMatch(/esdbsecret|mongosecret/);
    expect(problemsOf({ MONGO_URL: 'http://a:1,b:2/' })).toEqual([expect.stringContaining('MONGO_URL must start with mongodb://')]);
  });

  it("reads EVENTSTORE_URL and MONGO_URL with the drivers' own parsers: clusters and replica sets load, mistakes stop the start without the password (issue 19)", () => {
    const distributed = { CLIENTELE_PROFILE: 'distributed', CLIENTELE_MAIL: 'dev-mailbox', EVENTSTORE_URL: 'esdb://es:2113?tls=false', MONGO_URL: 'mongodb://mongo:27017' };
    const loads = (name: string, value: string) => expect(loadConfig({ ...distributed, [name]: value }, '/srv')).toMatchObject({ [name === 'MONGO_URL' ? 'mongoUrl' : 'eventStoreUrl']: value });
    loads('EVENTSTORE_URL', 'esdb+discover://admin:esdbsecret@es-1:2113,es-2:2113,es-3:2113?tls=true&tlsCAFile=/etc/clientele/eventstore-ca/ca.crt&nodePreference=leader');
    loads('EVENTSTORE_URL', 'esdb+discover://cluster.example.com:2113');
    loads('EVENTSTORE_URL', 'esdb://admin:p%40ss%3Aword@es:2113?tls=true');
    loads('MONGO_URL', 'mongodb://clientele:mongosecret@mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin');
    loads('MONGO_URL', 'mongodb+srv://clientele:mongosecret@cluster0.example.net/?authSource=admin');
    loads('MONGO_URL', 'mongodb://clientele:p%40ss@[::1]:27017,10.0.0.2:27017/?replicaSet=rs0');
    loads('MONGO_URL', 'mongodb://%2Ftmp%2Fmongodb-27017.sock');

    const refused: Array<[string, string, RegExp]> = [
      ['EVENTSTORE_URL', 'https://admin:esdbsecret@es:2113', /^EVENTSTORE_URL must start with esdb:\/\/ or esdb\+discover:\/\//],
      ['EVENTSTORE_URL', 'esdb://admin:esdbsecret@es:2113?tls=maybe', /^EVENTSTORE_URL cannot be read as an EventStoreDB connection string \(at character \d+ the client expected true or false\)/],
      ['EVENTSTORE_URL', 'esdb://admin:esdbsecret@es:2113?tlsCertFile=/ca.crt', /^EVENTSTORE_URL has an option the EventStoreDB client does not know and would ignore \(tlsCertFile\)/],
      ['EVENTSTORE_URL', 'esdb://admin:esdbsecret@es:2113?tlsVerifyCert=false', /^EVENTSTORE_URL has tlsVerifyCert=false, which the EventStoreDB client ignores/],
      ['EVENTSTORE_URL', 'esdb://admin:esdb@secret@es:2113', /^EVENTSTORE_URL has an unescaped ":" or "@" in its user name or password/],
      ['EVENTSTORE_URL', 'esdb://admin:esdb:secret@es:2113', /^EVENTSTORE_URL has an unescaped ":" or "@" in its user name or password/],
      ['EVENTSTORE_URL', 'esdb://admin:esdbsecret%zz@es:2113', /^EVENTSTORE_URL cannot be read as an EventStoreDB connection string \(URI malformed\)/],
      ['EVENTSTORE_URL', 'esdb+discover://admin:esdbsecret@es-1:2113,es-2:21l3', /^EVENTSTORE_URL names a host "es-2:21l3" that is not host or host:port/],
      ['MONGO_URL', 'postgres://clientele:mongosecret@mongo-1:27017', /^MONGO_URL must start with mongodb:\/\/ or mongodb\+srv:\/\//],
      ['MONGO_URL', 'mongodb://clientele:mongo:secret@mongo-1:27017', /^MONGO_URL cannot be read as a MongoDB connection string \(Password contains unescaped characters\)/],
      ['MONGO_URL', 'mongodb://clientele:mongo@secret@mongo-1:27017', /^MONGO_URL has an unescaped "@" in its user name or password/],
      ['MONGO_URL', 'mongodb://clientele:mongosecret@mongo-1:27017,mongo-2:27O17/?replicaSet=rs0', /^MONGO_URL names a host "mongo-2:27O17" that is not host or host:port/],
      ['MONGO_URL', 'mongodb://clientele:mongosecret@mongo-1:0', /^MONGO_URL names a host "mongo-1:0" that is not host or host:port/],
      ['EVENTSTORE_URL', 'esdb://admin:esdbsecret@es:70000', /^EVENTSTORE_URL names a host "es:70000" that is not host or host:port/],
      ['MONGO_URL', 'mongodb+srv://clientele:mongosecret@a.example.net,b.example.net', /^MONGO_URL cannot be read as a MongoDB connection string \(mongodb\+srv URI cannot have multiple service names\)/],
      ['MONGO_URL', 'mongodb://clientele:mongosecret@mongo-1:27017,mongo-2:27017/?directConnection=true', /^MONGO_URL asks for directConnection=true to several hosts/],
      ['MONGO_URL', 'mongodb://clientele:mongosecret@', /^MONGO_URL cannot be read as a MongoDB connection string \(Protocol and host list are required in "\[the value\]"\)/],
    ];
    const warn = jest.spyOn(console, 'warn');
    for (const [name, value, sentence] of refused) {
      const problems = problemsOf({ ...distributed, [name]: value });
      expect({ value, problems }).toEqual({ value, problems: [expect.stringMatching(sentence)] });
      expect(problems.join(' ')).not.toMatch(/esdbsecret|mongosecret|esdb[:@]secret|mongo[:@]secret/);
    }
    // The EventStoreDB parser's own warnings quote the whole string, password and all: none reaches the console.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('takes the PostgreSQL stores with POSTGRES_URL and a pool size (issue 18)', () => {
    const postgres = { CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres', POSTGRES_URL: 'postgres://clientele:pgsecret@db:5432/clientele' };
    expect(loadConfig(postgres, '/srv')).toMatchObject({ eventStore: 'postgres', documentStore: 'postgres', postgresUrl: postgres.POSTGRES_URL, postgresPoolSize: 10 });
    expect(loadConfig({ ...postgres, CLIENTELE_POSTGRES_POOL_SIZE: '4' }, '/srv').postgresPoolSize).toBe(4);
    expect(loadConfig({ ...postgres, POSTGRES_URL: 'postgresql:///clientele?host=/var/run/postgresql' }, '/srv').postgresUrl).toBe(
      'postgresql:///clientele?host=/var/run/postgresql',
    );
    expect(loadConfig({ ...postgres, POSTGRES_URL: 'postgres://db/clientele?sslmode=verify-full' }, '/srv').postgresUrl).toBeDefined();
  });

  it('refuses a PostgreSQL setting it cannot use, with a sentence each (issue 18)', () => {
    const postgres = { CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres' };
    expect(problemsOf(postgres)).toEqual([
      'The postgres event store and document store need POSTGRES_URL (e.g. postgres://clientele:secret@localhost:5432/clientele); or set CLIENTELE_EVENT_STORE and CLIENTELE_DOCUMENT_STORE to sqlite.',
    ]);
    expect(problemsOf({ CLIENTELE_EVENT_STORE: 'postgres' })).toEqual([expect.stringContaining('The postgres event store needs POSTGRES_URL')]);
    const refused = (url: string) => problemsOf({ ...postgres, POSTGRES_URL: url });
    expect(refused('mysql://u:pw@db/clientele')).toEqual([
      'POSTGRES_URL must start with postgres:// or postgresql:// (e.g. postgres://clientele:secret@localhost:5432/clientele); the value given does not.',
    ]);
    expect(refused('postgres://u:pw@db:99999/clientele')).toEqual([expect.stringMatching(/^POSTGRES_URL cannot be read as a PostgreSQL connection string \(Invalid URL\)/)]);
    expect(refused('postgres://u:pw@db:5432')).toEqual(['POSTGRES_URL names no database; add it after the host, e.g. postgres://clientele:secret@localhost:5432/clientele.']);
    expect(refused('postgres://u:pw@db-1,db-2/clientele')).toEqual([expect.stringContaining('POSTGRES_URL lists several hosts, but node-postgres connects to one')]);
    expect(refused('postgres://u:pw@db/clientele?sslmode=sometimes')).toEqual([
      'POSTGRES_URL has sslmode=sometimes; use one of disable, allow, prefer, require, verify-ca, verify-full, no-verify.',
    ]);
    expect(refused('postgres://')).toEqual([expect.stringContaining('POSTGRES_URL names no host')]);
    // Two at least: a document store's batch holds one connection for its transaction and creates tables on another.
    for (const size of ['1', '201', 'ten']) {
      expect(problemsOf({ ...postgres, POSTGRES_URL: 'postgres://db/clientele', CLIENTELE_POSTGRES_POOL_SIZE: size })).toEqual([
        `CLIENTELE_POSTGRES_POOL_SIZE must be a whole number from 2 to 200; it is "${size}".`,
      ]);
    }
    expect(problemsOf({ CLIENTELE_POSTGRES_POOL_SIZE: '5' })).toEqual([expect.stringContaining('applies to the PostgreSQL stores only')]);
  });

  it('takes the copies JetStream keeps of streams and buckets, for the NATS bus only (issue 18)', () => {
    const distributed = { CLIENTELE_PROFILE: 'distributed', CLIENTELE_SERVICES: 'clients', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox' };
    expect(loadConfig(distributed, '/srv').busReplicas).toBe(1);
    expect(loadConfig({ ...distributed, CLIENTELE_BUS_REPLICAS: '3' }, '/srv').busReplicas).toBe(3);
    for (const count of ['0', '6', 'three']) {
      expect(problemsOf({ ...distributed, CLIENTELE_BUS_REPLICAS: count })).toEqual([`CLIENTELE_BUS_REPLICAS must be a whole number from 1 to 5; it is "${count}".`]);
    }
    expect(problemsOf({ CLIENTELE_BUS_REPLICAS: '3' })).toEqual([expect.stringContaining('applies to the NATS bus only')]);
  });

  it('never shows the PostgreSQL password, in an error or in the loggable description (issue 18)', () => {
    const postgres = { CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres' };
    for (const url of ['mysql://u:pgsecret@db/x', 'postgres://u:pgsecret@db:99999/x', 'postgres://u:pgsecret@db', 'postgres://u:pgsecret@a,b/x']) {
      expect(problemsOf({ ...postgres, POSTGRES_URL: url }).join(' ')).not.toContain('pgsecret');
    }
    const inUserInfo = loadConfig({ ...postgres, POSTGRES_URL: 'postgres://clientele:pgsecret@db:5432/clientele' }, '/srv');
    expect(describeConfig(inUserInfo).postgresUrl).toBe('postgres://[redacted]:[redacted]@db:5432/clientele');
    const inParameters = loadConfig({ ...postgres, POSTGRES_URL: 'postgres://db:5432/clientele?user=clientele&password=pgsecret&sslmode=require' }, '/srv');
    expect(describeConfig(inParameters).postgresUrl).toBe('postgres://db:5432/clientele?user=clientele&password=[redacted]&sslmode=require');
    expect(JSON.stringify(describeConfig(inParameters))).not.toContain('pgsecret');
  });

  it('never repeats a secret in an error or in the loggable description', () => {
    const problems = problemsOf({ EVENTSTORE_URL: 'not a url with password hunter2' });
    expect(problems.join(' ')).not.toContain('hunter2');
    expect(problemsOf({ NATS_URL: 'http://svc:natspass@nats:4222' }).join(' ')).not.toContain('natspass');
    const config = loadConfig(
      {
        CLIENTELE_PROFILE: 'distributed',
        EVENTSTORE_URL: 'esdb://admin:changeit@es:2113?tls=false',
        MONGO_URL: 'mongodb://root:hunter2@mongo:27017',
        SENDGRID_API_KEY: 'SG.secret',
        JWT_SECRET: 'x'.repeat(40),
        NATS_URL: 'nats://svc:natspass@nats:4222',
      },
      '/srv',
    );
    const described = JSON.stringify(describeConfig(config));
    for (const secret of ['changeit', 'hunter2', 'SG.secret', 'x'.repeat(40), 'natspass']) expect(described).not.toContain(secret);
  });
});
