import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTestProfile } from '../testing/profile-files';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  const { dir, profilePath } = writeTestProfile();

  it('gives the documented defaults with only WAYBILL_PROFILE set', () => {
    const config = loadConfig({ WAYBILL_PROFILE: profilePath }, dir);
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
        timeouts: { evaluateMs: 5000, endorseMs: 15000, submitMs: 5000, commitStatusMs: 60000 },
        statusWaitMs: 1000,
      },
      retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
      rateLimit: { perSecond: 500, burst: 1000 },
      idempotency: { ttlSeconds: 86400 },
      auth: { refreshMs: 1000 },
      log: { level: 'info' },
      shutdownTimeoutMs: 10000,
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
      'WAYBILL_PROFILE is required: the path of the connection profile',
    ]);
  });

  it('reports the problems of the profile under WAYBILL_PROFILE', () => {
    expect(() => loadConfig({ WAYBILL_PROFILE: join(dir, 'missing.json') }, dir)).toThrow(
      /WAYBILL_PROFILE \(.*missing\.json\): the file cannot be read/,
    );
  });

  it('reads PostgreSQL and SQLite URLs', () => {
    expect(
      loadConfig({ WAYBILL_PROFILE: profilePath, DATABASE_URL: 'postgres://u:p@db:5432/waybill' }, dir)
        .database,
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/waybill',
      poolSize: 10,
    });
    expect(
      loadConfig({ WAYBILL_PROFILE: profilePath, DATABASE_URL: 'sqlite:.data/m.sqlite' }, dir).database,
    ).toEqual({
      kind: 'sqlite',
      path: join(dir, '.data/m.sqlite'),
    });
    expect(
      loadConfig({ WAYBILL_PROFILE: profilePath, DATABASE_URL: 'sqlite:///var/lib/m.sqlite' }, dir).database,
    ).toEqual({
      kind: 'sqlite',
      path: '/var/lib/m.sqlite',
    });
  });

  it('takes values from WAYBILL_CONFIG_FILE, overridden by the environment', () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({ WAYBILL_PROFILE: profilePath, PORT: 4000, WAYBILL_LOG_LEVEL: 'warn' }),
    );
    const config = loadConfig({ WAYBILL_CONFIG_FILE: file, WAYBILL_LOG_LEVEL: 'debug' }, dir);
    expect(config).toMatchObject({ http: { port: 4000 }, log: { level: 'debug' } });
  });

  it('rejects unknown variables in the file', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(
      file,
      JSON.stringify({ WAYBILL_PROFILE: profilePath, PROT: 4000, WAYBILL_LOG_LEVEL: ['x'] }),
    );
    expect(() => loadConfig({ WAYBILL_CONFIG_FILE: file }, dir)).toThrow(
      new ConfigError([
        `WAYBILL_CONFIG_FILE ${file}: unknown variable PROT`,
        `WAYBILL_CONFIG_FILE ${file}: WAYBILL_LOG_LEVEL must be a string, number or boolean`,
      ]),
    );
  });
});
