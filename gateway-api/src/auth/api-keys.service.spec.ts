import { migrate } from '../database/migrations';
import { testDatabases } from '../testing/databases';
import { TEST_PROFILE } from '../testing/test-app';
import { generateApiKey, hashSecret, parseApiKey, secretMatches } from './api-key';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyError, ApiKeysService } from './api-keys.service';

describe('API key format', () => {
  it('generates wb_<16 hex>_<43 base64url> keys whose secret only the hash represents', () => {
    const { key, keyId, secret } = generateApiKey();
    expect(key).toMatch(/^wb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)).toEqual({ keyId, secret });
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}x`, hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
    expect(parseApiKey('wb_123_abc')).toBeUndefined();
  });
});

describe.each(testDatabases())('ApiKeysService on %s', (_name, open) => {
  let now = 1_000_000;
  const setup = async () => {
    const db = await open();
    await migrate(db);
    const service = new ApiKeysService(new ApiKeyRepository(db), TEST_PROFILE, {
      refreshMs: 1000,
      now: () => now,
    });
    // Another process on the same database, such as the admin CLI.
    const cli = new ApiKeysService(new ApiKeyRepository(db), TEST_PROFILE, {
      refreshMs: 1000,
      now: () => now,
    });
    await service.refresh(true);
    return { db, service, cli };
  };

  it('gives an identity whose certificate carries no waybill.role no role: no key for it, none authenticates', async () => {
    const { db, cli } = await setup();
    // A key made while the certificate still had the attribute (or by an older gateway).
    const { key } = await cli.create({ name: 'bootstrap', identityId: 'manufacturer-admin' });
    const profile = {
      ...TEST_PROFILE,
      identities: TEST_PROFILE.identities.map((i) => ({ ...i, certPath: i.role === 'admin' ? '/admin.pem' : i.certPath })),
    };
    const service = new ApiKeysService(new ApiKeyRepository(db), profile, {
      refreshMs: 1000,
      now: () => now,
      roleOf: (certPath) => (certPath === '/admin.pem' ? { kind: 'no-role' } : { kind: 'not-a-certificate' }),
    });
    await service.refresh(true);
    await expect(service.authenticate(key)).resolves.toEqual({ ok: false, reason: 'identity-unavailable' });
    await expect(service.create({ name: 'again', identityId: 'manufacturer-admin' })).rejects.toMatchObject({
      code: 'IDENTITY_NOT_GRANTABLE',
    });
    // Placeholders that are no certificate at all (the tests' /dev/null) keep the profile's role.
    await expect(service.create({ name: 'erp', identityId: 'manufacturer-user1' })).resolves.toMatchObject({
      apiKey: { role: 'manufacturer' },
    });
  });

  it('authenticates a key as its identity and role, and never stores the secret', async () => {
    const { db, service } = await setup();
    const { key, apiKey } = await service.create({ name: 'erp', identityId: 'manufacturer-user1' });
    expect(apiKey).toEqual({
      keyId: parseApiKey(key)?.keyId,
      name: 'erp',
      identityId: 'manufacturer-user1',
      role: 'manufacturer',
      createdAt: new Date(now).toISOString(),
      revokedAt: null,
      expiresAt: null,
    });
    await expect(service.authenticate(key)).resolves.toEqual({
      ok: true,
      client: {
        keyId: apiKey.keyId,
        name: 'erp',
        identityId: 'manufacturer-user1',
        role: 'manufacturer',
        mspId: 'ManufacturerMSP',
      },
    });
    const stored = JSON.stringify(await db.query('SELECT * FROM api_keys'));
    expect(stored).not.toContain(parseApiKey(key)?.secret);
    await db.close();
  });

  it('refuses malformed, unknown and wrong-secret keys alike', async () => {
    const { db, service } = await setup();
    const { key } = await service.create({ name: 'erp', identityId: 'manufacturer-user1' });
    const wrongSecret = `${key.slice(0, -4)}AAAA`;
    for (const presented of ['', 'secret', generateApiKey().key, wrongSecret]) {
      await expect(service.authenticate(presented)).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
    await db.close();
  });

  it('sees a key created by another process at once, and its revocation within refreshMs', async () => {
    const { db, service, cli } = await setup();
    now += 1000;
    const { key, apiKey } = await cli.create({ name: 'late', identityId: 'manufacturer-user1' });
    await expect(service.authenticate(key)).resolves.toMatchObject({ ok: true });

    await cli.revoke(apiKey.keyId);
    await expect(service.authenticate(key)).resolves.toMatchObject({ ok: true }); // cached until the next poll
    await service.refresh();
    await expect(service.authenticate(key)).resolves.toEqual({ ok: false, reason: 'revoked' });
    await db.close();
  });

  it('revokes in its own process at once', async () => {
    const { db, service } = await setup();
    const { key, apiKey } = await service.create({ name: 'erp', identityId: 'manufacturer-user1' });
    await expect(service.revoke(apiKey.keyId)).resolves.toMatchObject({
      keyId: apiKey.keyId,
      revokedAt: new Date(now).toISOString(),
    });
    await expect(service.authenticate(key)).resolves.toEqual({ ok: false, reason: 'revoked' });
    await expect(service.revoke('ffffffffffffffff')).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    await db.close();
  });

  it('refuses a key whose identity left the connection profile', async () => {
    const { db, service } = await setup();
    const { key } = await service.create({ name: 'erp', identityId: 'manufacturer-user1' });
    const other = new ApiKeysService(new ApiKeyRepository(db), {
      ...TEST_PROFILE,
      identities: TEST_PROFILE.identities.slice(1),
    });
    await other.refresh(true);
    await expect(other.authenticate(key)).resolves.toEqual({ ok: false, reason: 'identity-unavailable' });
    await db.close();
  });

  it('registers a key generated elsewhere, idempotently, and refuses clashes and bad input', async () => {
    const { db, service } = await setup();
    const { key } = generateApiKey();
    await expect(
      service.create({ name: 'infra', identityId: 'manufacturer-admin', key }),
    ).resolves.toMatchObject({ key, created: true });
    await expect(
      service.create({ name: 'infra', identityId: 'manufacturer-admin', key }),
    ).resolves.toMatchObject({ key, created: false });
    await expect(
      service.create({ name: 'infra', identityId: 'manufacturer-user1', key }),
    ).rejects.toMatchObject({ code: 'API_KEY_EXISTS' });
    await expect(service.create({ name: 'x', identityId: 'carrier-user1' })).rejects.toMatchObject({
      name: 'ApiKeyError',
      code: 'IDENTITY_UNKNOWN',
      message:
        'identity carrier-user1 is not in the connection profile (known: manufacturer-user1, manufacturer-admin, manufacturer-auditor)',
    });
    await expect(service.create({ name: ' bad', identityId: 'manufacturer-user1' })).rejects.toBeInstanceOf(
      ApiKeyError,
    );
    await expect(
      service.create({ name: 'x', identityId: 'manufacturer-user1', key: 'wb_short' }),
    ).rejects.toMatchObject({ code: 'API_KEY_MALFORMED' });
    expect((await service.list()).map((k) => k.name)).toEqual(['infra']);
    await db.close();
  });

  it('expires keys, and rotates one with a grace period during which both work', async () => {
    const { db, service } = await setup();
    await expect(service.create({ name: 'old', identityId: 'manufacturer-user1', expiresAt: now })).rejects.toMatchObject({
      code: 'EXPIRY_INVALID',
    });
    const short = await service.create({ name: 'short', identityId: 'manufacturer-user1', expiresAt: now + 1000 });
    expect(short.apiKey.expiresAt).toBe(new Date(now + 1000).toISOString());
    expect((await service.authenticate(short.key)).ok).toBe(true);
    now += 1000;
    expect(await service.authenticate(short.key)).toEqual({ ok: false, reason: 'expired' });

    const erp = await service.create({ name: 'erp', identityId: 'manufacturer-user1' });
    const rotated = await service.rotate(erp.apiKey.keyId, { graceMs: 5000 });
    expect(rotated.apiKey).toMatchObject({ name: 'erp', identityId: 'manufacturer-user1', expiresAt: null });
    expect(rotated.previous).toMatchObject({ keyId: erp.apiKey.keyId, expiresAt: new Date(now + 5000).toISOString() });
    expect((await service.authenticate(erp.key)).ok).toBe(true);
    expect((await service.authenticate(rotated.key)).ok).toBe(true);
    now += 5000;
    expect(await service.authenticate(erp.key)).toEqual({ ok: false, reason: 'expired' });
    expect((await service.authenticate(rotated.key)).ok).toBe(true);
    // An expired key cannot be rotated again; a grace of 0 stops the old key at once.
    await expect(service.rotate(erp.apiKey.keyId, { graceMs: 0 })).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    const again = await service.rotate(rotated.apiKey.keyId, { graceMs: 0 });
    expect(await service.authenticate(rotated.key)).toEqual({ ok: false, reason: 'expired' });
    expect((await service.authenticate(again.key)).ok).toBe(true);
    // Admin keys are not rotated over the API either.
    const admin = await service.create({ name: 'ops', identityId: 'manufacturer-admin' });
    const asker = { keyId: 'x', name: 'x', identityId: 'manufacturer-admin', role: 'admin' as const, mspId: 'ManufacturerMSP' };
    await expect(service.rotate(admin.apiKey.keyId, { graceMs: 0, grantedBy: asker })).rejects.toMatchObject({
      code: 'IDENTITY_NOT_GRANTABLE',
    });
    await db.close();
  });
});
