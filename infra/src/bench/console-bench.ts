import { deployChaincode } from '../lifecycle/deploy';
import { readApiKeys, startApis, stopApis } from '../local/apis';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { LocalNetwork } from '../local/network';
import type { Row } from './network-bench';
import { percentile } from './stats';
import path from 'node:path';

const ORG = 'Manufacturer';
const IDENTITY = 'manufacturer-user1';
const quiet = (): void => undefined;

/** What {@link consoleBench} measures. */
export interface ConsoleBenchOptions {
  readonly basePort: number;
  /** Versions of the asset (the history API returns at most 500). */
  readonly versions: number;
  /** Page loads measured (after one warm-up). */
  readonly loads: number;
}

/**
 * The console's asset page with a long history: one asset written `versions` times on a fresh
 * network, then its page opened in headless Chromium (Debian's, driven by playwright-core) until
 * every timeline entry is in the page and the main thread answers a frame: "interactive".
 * Measured from navigation start, so it includes the gateway's three ledger reads.
 */
export async function consoleBench(options: Readonly<ConsoleBenchOptions>): Promise<Row[]> {
  const { chromium } = await import('playwright-core');
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-console');
  const net = new LocalNetwork(resolveNetwork({ dir, basePort: options.basePort }), quiet);
  process.env['WAYBILL_RATE_LIMIT_PER_SECOND'] = '0';
  await net.clean();
  try {
    await net.up();
    await deployChaincode(net, 'ccaas', quiet);
    await startApis(net, quiet);
    const org = net.topology.peerOrgs.find((o) => o.name === ORG);
    if (!org?.apiPort) throw new Error(`no gateway API for ${ORG}`);
    const key = readApiKeys(net, org)[IDENTITY];
    if (!key) throw new Error(`no API key for ${IDENTITY}`);
    const base = `http://127.0.0.1:${org.apiPort}`;
    const id = `bench-console-${Date.now().toString(36)}`;
    const post = async (url: string, body: unknown, status: number) => {
      const res = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== status) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    };
    await post(
      '/v1/assets',
      {
        id,
        product: { sku: 'SKU-BENCH', description: 'Console bench lot' },
        quantity: { amount: 1, unit: 'case' },
        origin: { site: 'Plant 7', country: 'IT' },
      },
      201,
    );
    // One at a time: writes to one key in the same block would invalidate each other.
    for (let i = 1; i < options.versions; i++)
      await post(`/v1/assets/${id}/attributes`, { set: { n: String(i) } }, 200);

    const browser = await chromium.launch({
      executablePath: process.env['WAYBILL_CHROMIUM'] ?? '/usr/bin/chromium',
      headless: true,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    const times: number[] = [];
    const historyTimes: number[] = [];
    try {
      const context = await browser.newContext({ baseURL: base });
      const signIn = await context.request.post('/v1/console/session', { data: { apiKey: key } });
      if (signIn.status() !== 200) throw new Error(`console sign-in: ${signIn.status()}`);
      const page = await context.newPage();
      for (let run = 0; run <= options.loads; run++) {
        await page.goto('about:blank');
        const t0 = Date.now();
        await page.goto(`/console/#/assets/${id}`);
        await page
          .locator('ol.timeline > li')
          .nth(options.versions - 1)
          .waitFor({ timeout: 30_000 });
        await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
        if (run > 0) {
          times.push(Date.now() - t0);
          historyTimes.push(
            await page.evaluate<number>(
              "Math.round(performance.getEntriesByType('resource').find((e) => e.name.endsWith('/history'))?.duration ?? -1)",
            ),
          );
        }
      }
    } finally {
      await browser.close();
    }
    times.sort((a, b) => a - b);
    historyTimes.sort((a, b) => a - b);
    return [
      {
        metric: `console asset page, ${options.versions} history entries, interactive p50 (ms)`,
        value: String(percentile(times, 50)),
        target: '< 1000',
      },
      {
        metric: `console asset page, ${options.versions} history entries, interactive max of ${times.length} (ms)`,
        value: String(times.at(-1)),
        target: '< 1000',
      },
      {
        metric: `of which GET /v1/assets/{id}/history (${options.versions} versions from the ledger), p50 (ms)`,
        value: String(percentile(historyTimes, 50)),
      },
    ];
  } finally {
    await stopApis(net);
    await net.down();
  }
}
