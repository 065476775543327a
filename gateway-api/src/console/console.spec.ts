import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKeysService } from '../auth/api-keys.service';
import { anAsset, withAssets } from '../testing/fake-assets';
import { request, startTestApp, type TestApp } from '../testing/test-app';
import { CONSOLE_CSP } from './console.setup';
import { ConsoleSessions } from './console-sessions';

describe('ConsoleSessions', () => {
  it('finds a session until it expires, caps its length and forgets closed ones', () => {
    let now = 1_000;
    const sessions = new ConsoleSessions({ maxTtlMs: 60_000, maxSessions: 10, now: () => now });
    const short = sessions.open('key-a', 5_000);
    const long = sessions.open('key-b', 10 * 60_000);
    expect(long.expiresAt).toBe(61_000);
    expect(short.id).not.toEqual(long.id);
    expect(sessions.find(short.id)).toMatchObject({ apiKey: 'key-a' });
    now = 6_000;
    expect(sessions.find(short.id)).toBeUndefined();
    expect(sessions.close(long.id)).toBe(true);
    expect(sessions.find(long.id)).toBeUndefined();
    expect(sessions.close(long.id)).toBe(false);
  });

  it('drops the oldest session beyond its bound', () => {
    const sessions = new ConsoleSessions({ maxTtlMs: 60_000, maxSessions: 2 });
    const first = sessions.open('a');
    sessions.open('b');
    sessions.open('c');
    expect(sessions.size).toBe(2);
    expect(sessions.find(first.id)).toBeUndefined();
  });
});

describe('console over HTTP', () => {
  let t: TestApp;
  let assets: string;
  beforeAll(async () => {
    assets = mkdtempSync(path.join(tmpdir(), 'waybill-console-'));
    mkdirSync(path.join(assets, 'assets'));
    writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(assets, 'assets', 'app-1234.js'), 'export {};');
    t = await startTestApp({ consoleAssetsDir: assets });
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
  });
  afterAll(async () => {
    await t.close();
    rmSync(assets, { recursive: true, force: true });
  });

  const key = () => t.keys['manufacturer-user1'] ?? '';
  const signIn = async (body: Record<string, unknown> = { apiKey: key() }) => {
    const r = await request(t, 'POST', '/v1/console/session', { body });
    const cookie = String(r.headers['set-cookie'] ?? '');
    return { ...r, cookie, session: /waybill_console=([^;]+)/.exec(cookie)?.[1] ?? '' };
  };

  it('serves the console under /console with a strict CSP and no inline script allowed', async () => {
    const page = await request(t, 'GET', '/console/');
    expect(page).toMatchObject({
      status: 200,
      text: expect.stringContaining('<title>console</title>') as string,
    });
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = await request(t, 'GET', '/console/assets/app-1234.js');
    expect(script.status).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');
    expect((await request(t, 'GET', '/console')).headers.location).toBe('/console/');
  });

  it('signs in with an API key: an HttpOnly SameSite=Strict cookie, never the key', async () => {
    const r = await signIn();
    expect(r).toMatchObject({
      status: 200,
      body: {
        organization: 'Manufacturer',
        mspId: 'ManufacturerMSP',
        identityId: 'manufacturer-user1',
        role: 'manufacturer',
      },
    });
    expect(r.cookie).toMatch(/HttpOnly/);
    expect(r.cookie).toMatch(/SameSite=Strict/);
    expect(r.cookie).toMatch(/Path=\//);
    expect(r.cookie).not.toContain(key());
    expect(JSON.stringify(r.body)).not.toContain(key());
  });

  it('refuses a bad key with the API-key problem and sets no cookie', async () => {
    const r = await signIn({ apiKey: 'wb_0000000000000000_' + 'A'.repeat(43) });
    expect(r).toMatchObject({ status: 401, body: { code: 'API_KEY_INVALID' } });
    expect(r.cookie).toBe('');
    expect(await signIn({ apiKey: key(), extra: 1 })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
  });

  it('lets the cookie stand for the key on reads, and on writes only with the console header', async () => {
    const { session } = await signIn();
    const cookie = { cookie: `waybill_console=${session}` };
    expect(await request(t, 'GET', '/v1/assets/LOT-1', { headers: cookie })).toMatchObject({
      status: 200,
      body: { id: 'LOT-1' },
    });
    expect(t.ledger.callsOf('getAsset').at(-1)?.identity).toBe('manufacturer-user1');
    expect(await request(t, 'GET', '/v1/console/session', { headers: cookie })).toMatchObject({
      status: 200,
      body: { identityId: 'manufacturer-user1' },
    });
    // A form or script on another site cannot add the header: no cookie-only write goes through.
    expect(
      await request(t, 'POST', '/v1/assets/LOT-1/hold', { headers: cookie, body: { reason: 'x' } }),
    ).toMatchObject({ status: 403, body: { code: 'CONSOLE_HEADER_REQUIRED' } });
    expect(
      await request(t, 'POST', '/v1/assets/LOT-1/hold', {
        headers: { ...cookie, 'x-waybill-console': '1', 'sec-fetch-site': 'cross-site' },
        body: { reason: 'x' },
      }),
    ).toMatchObject({ status: 403, body: { code: 'CONSOLE_HEADER_REQUIRED' } });
  });

  it('ends the session on sign-out and after it expires', async () => {
    const a = await signIn();
    const out = await request(t, 'DELETE', '/v1/console/session', {
      headers: { cookie: `waybill_console=${a.session}` },
    });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/waybill_console=;/);
    expect(
      await request(t, 'GET', '/v1/assets/LOT-1', { headers: { cookie: `waybill_console=${a.session}` } }),
    ).toMatchObject({
      status: 401,
      body: { code: 'SESSION_EXPIRED' },
    });

    const b = await signIn({ apiKey: key(), ttlSeconds: 1 });
    expect(b.cookie).toMatch(/Max-Age=1/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(
      await request(t, 'GET', '/v1/console/session', { headers: { cookie: `waybill_console=${b.session}` } }),
    ).toMatchObject({
      status: 401,
      body: { code: 'SESSION_EXPIRED' },
    });
    expect(await request(t, 'GET', '/v1/console/session')).toMatchObject({
      status: 401,
      body: { code: 'AUTH_REQUIRED' },
    });
  });

  it('ends the session when its API key is revoked', async () => {
    const created = await t.outsideKeys.create({
      name: 'console revoke test',
      identityId: 'manufacturer-user1',
    });
    const { session } = await signIn({ apiKey: created.key });
    const cookie = { cookie: `waybill_console=${session}` };
    expect((await request(t, 'GET', '/v1/assets/LOT-1', { headers: cookie })).status).toBe(200);
    await t.outsideKeys.revoke(created.apiKey.keyId);
    await t.gateway.app.get(ApiKeysService).refresh(true);
    expect(await request(t, 'GET', '/v1/assets/LOT-1', { headers: cookie })).toMatchObject({
      status: 401,
      body: { code: 'API_KEY_REVOKED' },
    });
  });
});
