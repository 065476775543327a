import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_OPENAPI_COPY, normaliseOpenApi } from '../../gateway-api/src/console/openapi-copy';
import { assetBody, call, committed, expectProblem, orgApi } from '../support/api';
import { axeViolations, launchChromium } from '../support/browser';
import { uniqueId } from '../support/fabric';

// The web console in a real headless Chromium against the shared e2e stack: each organisation's
// console is served by its own gateway, signed in with that organisation's API keys.

const M = 'manufacturer';
const C = 'carrier';
const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(ROOT, 'docs', 'console');
const WAIT = { timeout: 30_000 };

/** A node of the lineage graph: a link named by the asset ID, then its SKU, status and owner. */
const node = (id: string) => new RegExp(`^${id}\\s`);

interface Asset {
  id: string;
  custodian: string;
  children: string[];
}

describe('web console (headless Chromium)', () => {
  const run = uniqueId('UI');
  const sku = `SKU-${run}`;
  const lot = `${run}-lot`;
  const part = `${run}-a`;
  const other = `${run}-b`;
  /** A made-up consignee: personal data kept off-chain by the manufacturer's gateway. */
  const consignee = `Ada ${run.replace(/[^A-Za-z]/g, '')} Consignee`;
  const certificate = Buffer.from(`certificate of origin ${run}\n`);
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Content-Security-Policy violations any console page reported. */
  const cspViolations: string[] = [];
  let manufacturer: Page;

  const key = (org: string, identity: string) => {
    const k = orgApi(org).keys[identity];
    if (!k) throw new Error(`no API key for ${identity}`);
    return k;
  };

  async function newPage(org: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ baseURL: orgApi(org).url, viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return page;
  }

  async function signIn(page: Page, org: string, identity: string): Promise<void> {
    await page.goto('/console/');
    await page.getByLabel('API key').fill(key(org, identity));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('identity').filter({ hasText: identity }).waitFor(WAIT);
  }

  async function expectAccessible(page: Page, where: string): Promise<void> {
    const serious = (await axeViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect({ where, serious }).toEqual({ where, serious: [] });
  }

  beforeAll(async () => {
    browser = await launchChromium();
    // The manufacturer makes a lot, splits it, records a document and proposes a handover to the carrier.
    const as = { as: 'manufacturer-user1' };
    const subject = await call<{ subjectId: string }>(M, 'POST', '/v1/personal-data/subjects', {
      ...as,
      headers: { 'x-purpose': 'console-e2e' },
    });
    expect(subject.status).toBe(201);
    committed(
      await call(M, 'POST', '/v1/assets', {
        ...as,
        headers: { 'x-purpose': 'console-e2e' },
        body: assetBody(lot, {
          product: { sku, description: 'Console test olives' },
          quantity: { amount: 10, unit: 'case' },
          personalData: [{ subjectId: subject.body.subjectId, category: 'name', value: consignee }],
        }),
      }),
      201,
    );
    committed(
      await call(M, 'POST', `/v1/assets/${lot}/split`, {
        ...as,
        body: {
          parts: [
            { id: part, amount: 6 },
            { id: other, amount: 4 },
          ],
        },
      }),
    );
    committed(
      await call(M, 'POST', `/v1/assets/${part}/documents`, {
        ...as,
        body: { name: 'certificate.txt', sha256: createHash('sha256').update(certificate).digest('hex') },
      }),
    );
    committed(await call(M, 'POST', `/v1/assets/${part}/handover`, { ...as, body: { toOrg: 'CarrierMSP' } }));
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
  });

  it('serves its typed client’s OpenAPI document: the checked-in copy equals the served one', async () => {
    const served = await fetch(`${orgApi(M).url}/docs/openapi.json`);
    expect(served.status).toBe(200);
    expect(JSON.parse(readFileSync(CONSOLE_OPENAPI_COPY, 'utf8'))).toEqual(
      normaliseOpenApi(await served.json()),
    );
  });

  it('keeps the initial JavaScript under 200 KB gzipped', () => {
    const dir = path.join(ROOT, 'console', 'dist', 'assets');
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    const gzipped = js.reduce((n, f) => n + gzipSync(readFileSync(path.join(dir, f))).length, 0);
    expect(gzipped).toBeLessThan(200 * 1024);
  });

  it('signs in with an API key: the session is an HttpOnly cookie, no key in browser storage', async () => {
    manufacturer = await newPage(M);
    await signIn(manufacturer, M, 'manufacturer-user1');
    const cookies = await manufacturer.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'waybill_console', httpOnly: true, sameSite: 'Strict' }),
    ]);
    const stored = await manufacturer.evaluate<string>(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
    );
    expect(stored).not.toContain(key(M, 'manufacturer-user1'));
    expect(stored).not.toContain('waybill_console');
    // The inbox shows the handover the manufacturer proposed (the read model may lag a block).
    await manufacturer
      .locator(`li[data-asset="${part}"]`)
      .filter({ hasText: 'awaiting acceptance' })
      .waitFor(WAIT);
    await manufacturer.screenshot({ path: path.join(SHOTS, 'inbox.png'), fullPage: true });
    await expectAccessible(manufacturer, 'inbox');
  });

  it('searches the read model by text and opens an asset from the results', async () => {
    await manufacturer.getByRole('link', { name: 'Search' }).click();
    await manufacturer.getByLabel('Text (SKU or description)').fill(run);
    await manufacturer.getByRole('button', { name: 'Search' }).click();
    // The list shown before the search (latest assets) may already hold the lot: wait until the
    // URL carries the query, then for the answer to it (the console never shows stale results).
    await manufacturer.waitForURL((url) => url.hash.includes(`q=${encodeURIComponent(run)}`), WAIT);
    await manufacturer.locator(`tr[data-asset="${lot}"]`).waitFor(WAIT);
    const rows = await manufacturer.locator('table.results tbody tr').all();
    const ids = await Promise.all(rows.map((r) => r.getAttribute('data-asset')));
    expect(ids.sort()).toEqual([lot, part, other].sort());
    expect(manufacturer.url()).toContain(`q=${encodeURIComponent(run)}`);
    await expectAccessible(manufacturer, 'search');
    await manufacturer.getByRole('link', { name: lot, exact: true }).click();
    await manufacturer.getByRole('heading', { name: 'Lineage' }).waitFor(WAIT);
  });

  it('shows the asset’s timeline, custody chain and lineage, and clicks through the lineage', async () => {
    const lineage = manufacturer.locator('section[aria-labelledby="lineage"]');
    await lineage.getByRole('link', { name: node(part) }).waitFor(WAIT);
    await lineage.screenshot({ path: path.join(SHOTS, 'lineage.png') });
    const timeline = manufacturer.locator('section[aria-labelledby="timeline"] ol.timeline > li');
    expect(await timeline.count()).toBe(2);
    await expect(timeline.first().textContent()).resolves.toContain(`split into ${part}, ${other}`);
    await expect(timeline.last().textContent()).resolves.toContain('created by Manufacturer');
    // Click through to the child: its page, its parent in the graph, its own history.
    await lineage.getByRole('link', { name: node(part) }).click();
    await manufacturer.getByRole('heading', { name: new RegExp(part) }).waitFor(WAIT);
    await manufacturer
      .locator('section[aria-labelledby="lineage"]')
      .getByRole('link', { name: node(lot) })
      .waitFor(WAIT);
    const entries = manufacturer.locator('section[aria-labelledby="timeline"] ol.timeline > li');
    await entries.filter({ hasText: 'handover proposed to Carrier' }).waitFor(WAIT);
    await entries.filter({ hasText: 'document certificate.txt added by Manufacturer' }).waitFor(WAIT);
    // Each entry: time, transaction ID and the block that committed it (asked once in view).
    await entries.first().scrollIntoViewIfNeeded();
    await entries
      .first()
      .locator('.block-number')
      .filter({ hasText: /^block \d+$/ })
      .waitFor(WAIT);
    expect(
      await manufacturer.locator('section[aria-labelledby="timeline"] .txid').first().getAttribute('title'),
    ).toMatch(/^[0-9a-f]{64}$/);
    await expect(manufacturer.locator('ol.chain').first().textContent()).resolves.toContain('Manufacturer');
    await expect(manufacturer.getByTestId('pending-handover').textContent()).resolves.toContain(
      'Manufacturer → Carrier',
    );
    await manufacturer.screenshot({ path: path.join(SHOTS, 'asset.png'), fullPage: true });
    await expectAccessible(manufacturer, 'asset page');
  });

  it('masks personal data; a reveal states its purpose and lands in the access log', async () => {
    await manufacturer.goto(`/console/#/assets/${encodeURIComponent(lot)}`);
    const section = manufacturer.locator('section[aria-labelledby="personal-data"]');
    await section.getByText('(masked)').waitFor(WAIT);
    expect(await section.textContent()).not.toContain(consignee);
    await section.getByRole('button', { name: 'Reveal (logged)' }).click();
    await section.getByRole('alert').filter({ hasText: 'State a purpose' }).waitFor(WAIT);
    await section.getByLabel('Purpose of reveal').fill(`console-check-${run}`);
    await section.getByRole('button', { name: 'Reveal (logged)' }).click();
    await section.getByText(consignee).waitFor(WAIT);
    const log = await call<{ items: { action: string; purpose: string; identityId?: string }[] }>(
      M,
      'GET',
      '/v1/personal-data/access-log?limit=1000',
      { as: 'manufacturer-admin1' },
    );
    expect(
      log.body.items.filter((e) => e.action === 'read' && e.purpose === `console-check-${run}`),
    ).toHaveLength(1);
    await manufacturer.goto(`/console/#/assets/${encodeURIComponent(part)}`);
    await manufacturer.getByRole('heading', { name: 'Documents' }).waitFor(WAIT);
  });

  it('verifies a document in the browser: the SHA-256 is computed locally, only the hash is checked', async () => {
    const uploads: string[] = [];
    manufacturer.on('request', (r) => {
      if (r.method() !== 'GET' && r.postData()?.includes('certificate of origin')) uploads.push(r.url());
    });
    await manufacturer
      .getByLabel(/File to check/)
      .setInputFiles({ name: 'certificate.txt', mimeType: 'text/plain', buffer: certificate });
    await manufacturer.getByRole('button', { name: 'Verify' }).click();
    await manufacturer.getByTestId('verdict').filter({ hasText: 'Matches' }).waitFor(WAIT);
    await manufacturer
      .getByLabel(/File to check/)
      .setInputFiles({ name: 'forged.txt', mimeType: 'text/plain', buffer: Buffer.from('forged') });
    await manufacturer.getByRole('button', { name: 'Verify' }).click();
    await manufacturer.getByTestId('verdict').filter({ hasText: 'Does not match' }).waitFor(WAIT);
    expect(uploads).toEqual([]);
  });

  it('refuses an action the role may not take and shows the problem (carrier admin accepting a handover)', async () => {
    const admin = await newPage(C);
    await signIn(admin, C, 'carrier-admin1');
    const item = admin
      .locator(`li[data-asset="${part}"]`)
      .filter({ hasText: 'Handover proposed by Manufacturer' });
    await item.waitFor(WAIT);
    await item.getByRole('button', { name: 'Accept handover' }).click();
    const problem = item.getByRole('alert');
    await problem.waitFor(WAIT);
    expect(await problem.getAttribute('data-code')).toBe('FORBIDDEN');
    await expect(problem.locator('.problem-title').textContent()).resolves.toBe(
      'Forbidden by the ledger’s access rules',
    );
    expect(await problem.locator('.problem-detail').textContent()).toBeTruthy();

    // The admin's operator view: readiness, peers, orderers and the read model's position.
    await admin.getByRole('link', { name: 'Operator' }).click();
    await admin
      .getByTestId('readiness')
      .filter({ hasText: 'pass (ledger pass, database pass)' })
      .waitFor(WAIT);
    // The organisation's peer, asked on its own, with the channel's height it holds; the orderers
    // the channel configuration names (three Raft nodes of the Orderer organisation).
    const peer = admin.locator('tr[data-peer="peer0.carrier"]');
    await peer.waitFor(WAIT);
    await expect(peer.locator('td').nth(1).textContent()).resolves.toBe('yes');
    const height = Number(await peer.locator('td').nth(2).textContent());
    expect(height).toBeGreaterThan(1);
    await expect(admin.getByTestId('channel-height').textContent()).resolves.toBe(String(height));
    await admin.getByTestId('consensus').filter({ hasText: 'etcdraft, 3 consenters' }).waitFor(WAIT);
    const orderers = admin.locator('tr[data-orderer]');
    expect(await orderers.count()).toBe(3);
    expect(await orderers.locator('td').allTextContents()).toEqual([
      'OrdererMSP',
      'OrdererMSP',
      'OrdererMSP',
    ]);
    await admin.getByRole('cell', { name: 'carrier-user1' }).first().waitFor(WAIT);
    // The e2e stack runs no event sink: the section says so rather than showing an empty table.
    await admin.getByText('No event sinks configured.').waitFor(WAIT);
    // A key with an expiry, then rotated: each new key is shown once, the table lists both.
    const keyName = `ui-${run.slice(-6)}`;
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await admin.getByLabel('Name').fill(keyName);
    await admin.getByLabel('Identity').fill('carrier-user1');
    await admin.getByLabel('Expires (optional)').fill(expires);
    await admin.getByRole('button', { name: 'Create key' }).click();
    const row = admin
      .locator('tr')
      .filter({ has: admin.getByRole('rowheader', { name: keyName, exact: true }) });
    await row.waitFor(WAIT);
    await expect(row.locator('td').nth(3).textContent()).resolves.not.toBe('never');
    const first = await admin
      .getByRole('status')
      .filter({ hasText: 'New key' })
      .locator('code')
      .textContent();
    expect(first).toMatch(/\S{20,}/);
    await row.getByRole('button', { name: 'Rotate' }).click();
    const rotated = admin
      .getByRole('status')
      .filter({ hasText: 'New key' })
      .locator('code')
      .filter({ hasNotText: first ?? '' });
    await rotated.waitFor(WAIT);
    // Revoking the new key: its row says when, and the key is refused at once.
    const rotatedKey = (await rotated.textContent()) ?? '';
    const rotatedRow = admin.locator(`tr[data-key-id="${rotatedKey.split('_')[1]}"]`);
    await rotatedRow.getByRole('button', { name: 'Revoke' }).click();
    await rotatedRow.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached', ...WAIT });
    await expect(rotatedRow.locator('td').nth(4).textContent()).resolves.not.toBe('—');
    expectProblem(await call(C, 'GET', '/v1/assets?limit=1', { apiKey: rotatedKey }), 401, 'API_KEY_REVOKED');
    await expectAccessible(admin, 'operator view');
  });

  it('the carrier accepts the handover; the manufacturer’s open asset page changes live (SSE)', async () => {
    expect(await manufacturer.getByTestId('custodian').textContent()).toBe('Manufacturer');
    const carrier = await newPage(C);
    await signIn(carrier, C, 'carrier-user1');
    const item = carrier
      .locator(`li[data-asset="${part}"]`)
      .filter({ hasText: 'Handover proposed by Manufacturer' });
    await item.waitFor(WAIT);
    await item.getByRole('button', { name: 'Accept handover' }).click();
    // The carrier's inbox drops it once committed.
    await item.waitFor({ state: 'detached', ...WAIT });
    // No reload on the manufacturer's side: the event stream brings the change.
    await manufacturer.getByTestId('custodian').filter({ hasText: 'Carrier' }).waitFor(WAIT);
    await manufacturer
      .locator('section[aria-labelledby="timeline"] ol.timeline > li')
      .filter({ hasText: 'custody Manufacturer → Carrier' })
      .waitFor(WAIT);
    const ledger = await call<Asset>(M, 'GET', `/v1/assets/${part}`, { as: 'manufacturer-user1' });
    expect(ledger.body.custodian).toBe('CarrierMSP');
  });

  it('ends an expired session: the next action returns to sign-in with the reason', async () => {
    const page = await newPage(M);
    const signedIn = await page.context().request.post('/v1/console/session', {
      data: { apiKey: key(M, 'manufacturer-user1'), ttlSeconds: 2 },
    });
    expect(signedIn.status()).toBe(200);
    await page.goto('/console/#/inbox');
    await page.getByTestId('identity').waitFor(WAIT);
    await page.waitForTimeout(2_500);
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor(WAIT);
    await page.getByLabel('API key').waitFor(WAIT);
    expect(await page.context().cookies()).toEqual([]);
  });

  it('works by keyboard alone on a phone’s width, signs out, and no page broke the CSP', async () => {
    const phone = await newPage(M, { width: 375, height: 740 });
    // Keyboard only: Tab to the key field, type, Enter; then the skip link and the navigation.
    await phone.goto('/console/');
    await phone.getByLabel('API key').waitFor(WAIT);
    await phone.keyboard.press('Tab');
    expect(await phone.evaluate<string>('document.activeElement?.id ?? ""')).toBe('api-key');
    await phone.keyboard.type(key(M, 'manufacturer-user1'));
    await phone.keyboard.press('Enter');
    await phone.getByTestId('identity').waitFor(WAIT);
    await phone.keyboard.press('Tab');
    expect(await phone.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Skip to content');
    await phone.keyboard.press('Tab');
    await phone.keyboard.press('Tab');
    expect(await phone.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Search');
    await phone.keyboard.press('Enter');
    await phone.getByRole('heading', { name: 'Search' }).waitFor(WAIT);
    await phone.goto(`/console/#/assets/${encodeURIComponent(part)}`);
    await phone.getByRole('heading', { name: 'Lineage' }).waitFor(WAIT);
    const overflow = await phone.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(phone, 'asset page on a phone');
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.getByLabel('API key').waitFor(WAIT);
    expect(await phone.context().cookies()).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
