import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTestProfile } from '../testing/profile-files';
import { ConfigError, DEFAULT_READ_ROLES, DEFAULT_RETENTION_MS, loadConfig } from './config';

const KEK = Buffer.alloc(32, 9).toString('base64');

const KEK_REQUIRED =
  'WAYBILL_PD_KEK is required (or WAYBILL_PD_KEK_FILE): the 32-byte key-encryption key of personal data, in base64 ' +
  '(e.g. `openssl rand -base64 32`); the gateway never stores personal data unencrypted';

describe('loadConfig', () => {
  const { dir, profilePath } = writeTestProfile();

  it('gives the documented defaults with only WAYBILL_PROFILE set', () => {
    const config = loadConfig({ WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK }, dir);
    expect(config).toMatchObject({
      profilePath,
      profile: { organization: 'Manufacturer', mspId: 'ManufacturerMSP' },
      http: {
        host: '127.0.0.1',
        port: 3000,
        bodyLimitBytes: 262_144,
        corsOrigins: [],
        docsEnabled: true,
      },
      database: { kind: 'sqlite', path: join(dir, '.data', 'gateway-manufacturer.sqlite') },
      ledger: {
        adapter: 'fabric-gateway',
        timeouts: { evaluateMs: 5000, endorseMs: 15000, submitMs: 5000, commitStatusMs: 60000, resendAfterMs: 10000 },
        statusWaitMs: 1000,
        minBlockWaitMs: 3000,
      },
      retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
      rateLimit: { perSecond: 500, burst: 1000 },
      idempotency: { ttlSeconds: 86400 },
      auth: { refreshMs: 1000 },
      log: { level: 'info' },
      shutdownTimeoutMs: 10000,
      personalData: {
        kek: Buffer.alloc(32, 9),
        previousKeks: [],
        readRoles: DEFAULT_READ_ROLES,
        retentionMs: DEFAULT_RETENTION_MS,
        retentionIntervalMs: 3_600_000,
        systemIdentity: 'manufacturer-user1',
      },
    });
  });

  it('lists every bad variable, not just the first', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          PORT: 'eighty',
          WAYBILL_LOG_LEVEL: 'loud',
          WAYBILL_DOCS_ENABLED: 'maybe',
          WAYBILL_CORS_ORIGINS: 'https://ok.example, not an origin',
          DATABASE_URL: 'mysql://db/waybill',
          WAYBILL_RETRY_BASE_DELAY_MS: '500',
          WAYBILL_RETRY_MAX_DELAY_MS: '100',
        },
        dir,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer between 0 and 65535 (got "eighty")',
      'WAYBILL_CORS_ORIGINS has "not an origin", expected an origin like https://app.example.com',
      'WAYBILL_DOCS_ENABLED must be true or false (got "maybe")',
      'DATABASE_URL must be postgres://…, sqlite:<path> or a file path',
      'WAYBILL_RETRY_MAX_DELAY_MS must not be smaller than WAYBILL_RETRY_BASE_DELAY_MS',
      'WAYBILL_LOG_LEVEL must be one of debug, info, warn, error (got "loud")',
      KEK_REQUIRED,
      'WAYBILL_PROFILE is required: the path of the connection profile',
    ]);
  });

  it('reads the event leader retry period, 5 s by default, and refuses one out of range', () => {
    const base = { WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK };
    expect(loadConfig(base, dir).events.leaderRetryMs).toBe(5000);
    expect(loadConfig({ ...base, WAYBILL_EVENTS_LEADER_RETRY_MS: '250' }, dir).events.leaderRetryMs).toBe(
      250,
    );
    for (const bad of ['50', 'soon']) {
      expect(() => loadConfig({ ...base, WAYBILL_EVENTS_LEADER_RETRY_MS: bad }, dir)).toThrow(
        `WAYBILL_EVENTS_LEADER_RETRY_MS must be an integer between 100 and 600000 (got "${bad}")`,
      );
    }
  });

  it('reports the problems of the profile under WAYBILL_PROFILE', () => {
    expect(() => loadConfig({ WAYBILL_PROFILE: join(dir, 'missing.json') }, dir)).toThrow(
      /WAYBILL_PROFILE \(.*missing\.json\): the file cannot be read/,
    );
  });

  it('reads PostgreSQL and SQLite URLs', () => {
    expect(
      loadConfig(
        { WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK, DATABASE_URL: 'postgres://u:p@db:5432/waybill' },
        dir,
      ).database,
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/waybill',
      poolSize: 10,
    });
    expect(
      loadConfig(
        { WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK, DATABASE_URL: 'sqlite:.data/m.sqlite' },
        dir,
      ).database,
    ).toEqual({
      kind: 'sqlite',
      path: join(dir, '.data/m.sqlite'),
    });
    expect(
      loadConfig(
        { WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK, DATABASE_URL: 'sqlite:///var/lib/m.sqlite' },
        dir,
      ).database,
    ).toEqual({
      kind: 'sqlite',
      path: '/var/lib/m.sqlite',
    });
  });

  it('takes values from WAYBILL_CONFIG_FILE, overridden by the environment', () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        WAYBILL_PROFILE: profilePath,
        WAYBILL_PD_KEK: KEK,
        PORT: 4000,
        WAYBILL_LOG_LEVEL: 'warn',
      }),
    );
    const config = loadConfig({ WAYBILL_CONFIG_FILE: file, WAYBILL_LOG_LEVEL: 'debug' }, dir);
    expect(config).toMatchObject({ http: { port: 4000 }, log: { level: 'debug' } });
  });

  it('rejects unknown variables in the file', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(
      file,
      JSON.stringify({
        WAYBILL_PROFILE: profilePath,
        WAYBILL_PD_KEK: KEK,
        PROT: 4000,
        WAYBILL_LOG_LEVEL: ['x'],
      }),
    );
    expect(() => loadConfig({ WAYBILL_CONFIG_FILE: file }, dir)).toThrow(
      new ConfigError([
        `WAYBILL_CONFIG_FILE ${file}: unknown variable PROT`,
        `WAYBILL_CONFIG_FILE ${file}: WAYBILL_LOG_LEVEL must be a string, number or boolean`,
      ]),
    );
  });

  describe('personal data', () => {
    const load = (env: Record<string, string>) => loadConfig({ WAYBILL_PROFILE: profilePath, ...env }, dir);
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        load(env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };

    it('refuses to run without a key-encryption key', () => {
      expect(problems({})).toEqual([KEK_REQUIRED]);
    });

    it('refuses a wrong key without showing it', () => {
      const short = Buffer.alloc(16, 1).toString('base64');
      const found = problems({ WAYBILL_PD_KEK: short, WAYBILL_PD_PREVIOUS_KEKS: `${KEK},not base64!` });
      expect(found).toEqual([
        'WAYBILL_PD_KEK must decode to 32 bytes, got 16',
        'WAYBILL_PD_PREVIOUS_KEKS must be base64 (entry 2)',
      ]);
      expect(found.join('\n')).not.toContain(short);
    });

    it('reads the key from a private file, and refuses a file others can read', () => {
      const file = join(dir, 'kek');
      writeFileSync(file, `${KEK}\n`, { mode: 0o600 });
      expect(load({ WAYBILL_PD_KEK_FILE: file }).personalData.kek).toEqual(Buffer.alloc(32, 9));
      const open = join(dir, 'kek-open');
      writeFileSync(open, KEK, { mode: 0o644 });
      expect(problems({ WAYBILL_PD_KEK_FILE: open })).toEqual([
        `WAYBILL_PD_KEK_FILE ${open} is readable by group or others (chmod 600 it)`,
      ]);
      expect(problems({ WAYBILL_PD_KEK_FILE: join(dir, 'none') })).toEqual([
        `WAYBILL_PD_KEK_FILE ${join(dir, 'none')} cannot be read`,
      ]);
      expect(problems({ WAYBILL_PD_KEK_FILE: file, WAYBILL_PD_KEK: KEK })).toEqual([
        'WAYBILL_PD_KEK and WAYBILL_PD_KEK_FILE are both set: give one',
      ]);
    });

    it('reads previous keys, read roles, retention and the schedule', () => {
      const config = load({
        WAYBILL_PD_KEK: KEK,
        WAYBILL_PD_PREVIOUS_KEKS: Buffer.alloc(32, 1).toString('base64'),
        WAYBILL_PD_READ_ROLES: 'phone=carrier,admin; notes=admin',
        WAYBILL_PD_RETENTION: 'phone=90d;notes=12h',
        WAYBILL_PD_RETENTION_INTERVAL_MS: '0',
      }).personalData;
      expect(config.previousKeks).toEqual([Buffer.alloc(32, 1)]);
      expect(config.readRoles).toEqual({
        ...DEFAULT_READ_ROLES,
        phone: ['carrier', 'admin'],
        notes: ['admin'],
      });
      expect(config.retentionMs).toEqual({
        ...DEFAULT_RETENTION_MS,
        phone: 90 * 86_400_000,
        notes: 12 * 3_600_000,
      });
      expect(config.retentionIntervalMs).toBe(0);
    });

    it('lists every bad personal-data variable', () => {
      expect(
        problems({
          WAYBILL_PD_KEK: KEK,
          WAYBILL_PD_READ_ROLES: 'shoe-size=admin;phone=janitor;oops',
          WAYBILL_PD_RETENTION: 'phone=forever;name=0d',
          WAYBILL_PD_SYSTEM_IDENTITY: 'nobody',
        }),
      ).toEqual([
        'WAYBILL_PD_READ_ROLES has "oops", expected category=value',
        'WAYBILL_PD_READ_ROLES has unknown category "shoe-size"; categories: name, postal-address, phone, email, national-id, notes',
        'WAYBILL_PD_READ_ROLES phone needs roles among manufacturer, carrier, retailer, regulator, auditor, admin',
        'WAYBILL_PD_RETENTION phone needs a positive duration like 90d, 12h, 30m or 45s',
        'WAYBILL_PD_RETENTION name needs a positive duration like 90d, 12h, 30m or 45s',
        'WAYBILL_PD_SYSTEM_IDENTITY must name an identity of the profile with role admin, manufacturer, carrier, retailer (got "nobody")',
      ]);
    });
  });

  describe('HTTP server: limits, TLS, address', () => {
    const problemsOf = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig({ WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK, ...env }, dir);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };

    it('has bounded timeouts and limits by default', () => {
      const config = loadConfig({ WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK }, dir);
      expect(config.http).toMatchObject({
        limits: {
          requestTimeoutMs: 30_000,
          headersTimeoutMs: 10_000,
          idleTimeoutMs: 30_000,
          keepAliveTimeoutMs: 5_000,
          maxConnections: 1_024,
          maxRequestsPerSocket: 1_000,
        },
        tls: undefined,
        allowInsecure: false,
      });
      expect(config.rateLimit).toMatchObject({ anonymousPerSecond: 20, anonymousBurst: 40 });
      expect(config.events.streams).toEqual({ maxPerKey: 4, maxPerProcess: 256, maxLifeMs: 3_600_000 });
      expect(config.events.webhooks).toMatchObject({ maxSubscriptions: 100, allowedNetworks: [] });
    });

    it('refuses plain HTTP off loopback unless asked for explicitly', () => {
      expect(problemsOf({ HOST: '127.0.0.1' })).toEqual([]);
      expect(problemsOf({ HOST: '::1' })).toEqual([]);
      expect(problemsOf({ HOST: 'localhost' })).toEqual([]);
      expect(problemsOf({ HOST: '0.0.0.0' })).toEqual([
        'HOST is "0.0.0.0", not loopback: serve HTTPS (WAYBILL_TLS_CERT_FILE, WAYBILL_TLS_KEY_FILE) or set WAYBILL_ALLOW_INSECURE_HTTP=true (e.g. behind a TLS-terminating proxy)',
      ]);
      expect(problemsOf({ HOST: '0.0.0.0', WAYBILL_ALLOW_INSECURE_HTTP: 'true' })).toEqual([]);
    });

    it('reads the TLS files, and refuses half a pair, a non-PEM file or a readable key', () => {
      const cert = join(dir, 'tls-cert.pem');
      const key = join(dir, 'tls-key.pem');
      const loose = join(dir, 'tls-key-loose.pem');
      const notPem = join(dir, 'tls-not.pem');
      writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
      writeFileSync(loose, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', { mode: 0o644 });
      writeFileSync(notPem, 'hello');
      const config = loadConfig(
        { WAYBILL_PROFILE: profilePath, WAYBILL_PD_KEK: KEK, HOST: '0.0.0.0', WAYBILL_TLS_CERT_FILE: cert, WAYBILL_TLS_KEY_FILE: key },
        dir,
      );
      expect(config.http.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
      expect(problemsOf({ WAYBILL_TLS_CERT_FILE: cert })).toEqual(['WAYBILL_TLS_KEY_FILE is needed too: give both TLS files']);
      expect(problemsOf({ WAYBILL_TLS_CERT_FILE: notPem, WAYBILL_TLS_KEY_FILE: loose })).toEqual([
        `WAYBILL_TLS_CERT_FILE ${notPem} is not a PEM file`,
        `WAYBILL_TLS_KEY_FILE ${loose} is readable by group or others (chmod 600 it)`,
      ]);
    });

    it('checks the deadlines against each other and the allow-list entries', () => {
      expect(problemsOf({ WAYBILL_HEADERS_TIMEOUT_MS: '20000', WAYBILL_REQUEST_TIMEOUT_MS: '10000' })).toEqual([
        'WAYBILL_HEADERS_TIMEOUT_MS must not be larger than WAYBILL_REQUEST_TIMEOUT_MS',
      ]);
      expect(problemsOf({ WAYBILL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32, fd00::/8, 10.0.0.0/33, example.com' })).toEqual([
        'WAYBILL_WEBHOOK_ALLOWED_NETWORKS has "10.0.0.0/33", expected an address or CIDR range like 127.0.0.1/32 or fd00::/8',
        'WAYBILL_WEBHOOK_ALLOWED_NETWORKS has "example.com", expected an address or CIDR range like 127.0.0.1/32 or fd00::/8',
      ]);
    });
  });
});
