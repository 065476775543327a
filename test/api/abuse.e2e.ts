import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { assetBody, call, committed, expectProblem, orgApi } from '../support/api';
import { uniqueId } from '../support/fabric';
import { openSse, type SseStream } from '../support/sse';
import { WebhookReceiver } from '../support/webhook-receiver';

// The partner API under abuse, on the real stack: slow and idle connections, stream floods,
// webhook destinations inside the organisation, invalid-key floods, forged cursors, concurrent
// reconciliations and undeclared methods. global-setup runs the gateways with a 4 s request
// deadline, a 3 s header deadline and WAYBILL_WEBHOOK_ALLOWED_NETWORKS=127.0.0.1/32.

const REQUEST_TIMEOUT_MS = 4_000;
const HEADERS_TIMEOUT_MS = 3_000;
/** Node checks the deadlines once a second; the rest is scheduling slack on a busy machine. */
const SLACK_MS = 2_500;
/** WAYBILL_SSE_MAX_STREAMS_PER_KEY's default. */
const STREAMS_PER_KEY = 4;

function forgedKey(): string {
  return `wb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

/** A raw TCP connection to `org`'s gateway; resolves how long until the server closed it, and what it said. */
function rawConnection(org: string): {
  socket: net.Socket;
  closed: Promise<{ afterMs: number; received: string }>;
} {
  const url = new URL(orgApi(org).url);
  const started = Date.now();
  const socket = net.connect(Number(url.port), '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) =>
    socket.on('close', () => resolve({ afterMs: Date.now() - started, received })),
  );
  return { socket, closed };
}

/** Calls `fn` every `everyMs` until `stop` resolves; returns the statuses it got. */
async function keepCalling(stop: Promise<unknown>, fn: () => Promise<number>, everyMs = 250): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  void stop.then(() => (done = true));
  while (!done) {
    statuses.push(await fn());
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return statuses;
}

describe('the partner API under abuse (real network)', () => {
  let lot: string;

  beforeAll(async () => {
    lot = uniqueId('abuse');
    // Two assets of the owner at least, so a page of one has a next page (the cursor test).
    for (const id of [lot, `${lot}-b`]) {
      committed(
        await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }),
        201,
      );
    }
  });

  it('closes a slow body within the request deadline while other clients are served', async () => {
    const key = orgApi('manufacturer').keys['manufacturer-user1'] ?? '';
    const { socket, closed } = rawConnection('manufacturer');
    socket.write(
      `POST /v1/assets HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // One byte every 300 ms: always active, never done.
    const drip = setInterval(() => socket.writable && socket.write(' '), 300);
    const served = keepCalling(closed, async () => (await call('manufacturer', 'GET', '/health/live')).status);
    const { afterMs, received } = await closed;
    clearInterval(drip);
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 500);
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    const statuses = await served;
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('answers a body sent without a valid key at once (401) and closes, without reading it', async () => {
    const { socket, closed } = rawConnection('manufacturer');
    socket.write(
      'POST /v1/assets HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    const { afterMs, received } = await closed;
    expect(afterMs).toBeLessThan(2_000);
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    expect(received).toContain('"code":"AUTH_REQUIRED"');
  });

  it('closes a connection that never sends its headers within the header deadline', async () => {
    const { socket, closed } = rawConnection('manufacturer');
    socket.write('GET /v1/assets HTTP/1.1\r\nHost: localhost\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
    const idle = rawConnection('manufacturer');
    const [slow, silent] = await Promise.all([closed, idle.closed]);
    clearInterval(drip);
    for (const c of [slow, silent]) {
      expect(c.afterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(c.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 500);
    }
    expect((await call('manufacturer', 'GET', `/v1/assets/${lot}`, { as: 'manufacturer-user1' })).status).toBe(200);
  });

  it(`refuses the ${STREAMS_PER_KEY + 1}th event stream of a key (429) while writes keep working and streams get them`, async () => {
    const streams: SseStream[] = [];
    try {
      for (let i = 0; i < STREAMS_PER_KEY; i++) {
        streams.push(await openSse('manufacturer', `/v1/events?asset=${lot}`, 'manufacturer-user1'));
      }
      expect(streams.map((s) => s.status)).toEqual(Array(STREAMS_PER_KEY).fill(200));
      const refused = await call('manufacturer', 'GET', `/v1/events?asset=${lot}`, { as: 'manufacturer-user1' });
      expect(expectProblem(refused, 429, 'TOO_MANY_STREAMS').retryable).toBe(true);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

      const started = Date.now();
      committed(
        await call('manufacturer', 'POST', `/v1/assets/${lot}/hold`, {
          as: 'manufacturer-user1',
          body: { reason: 'abuse suite' },
        }),
      );
      const writeMs = Date.now() - started;
      // The write's own latency (endorse, order, commit) is unaffected by the open streams.
      expect(writeMs).toBeLessThan(10_000);
      // One reader fans the event out to every stream.
      for (const s of streams) {
        const [e] = await s.waitFor(1, 30_000);
        // A hold is a status change of the asset.
        expect(e?.event).toBe('StatusChanged');
        expect(e?.data.assetIds).toContain(lot);
      }
    } finally {
      for (const s of streams) s.close();
    }
    // Places are given back when streams end.
    let again: SseStream | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      again?.close();
      await new Promise((r) => setTimeout(r, 250));
      again = await openSse('manufacturer', `/v1/events?asset=${lot}`, 'manufacturer-user1');
    }
    expect(again?.status).toBe(200);
    again?.close();
  });

  it('refuses webhooks to loopback, private and link-local destinations (400) unless allowed', async () => {
    for (const url of [
      'http://127.0.0.2:9/hook',
      'http://[::1]:9/hook',
      'http://10.0.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:127.0.0.2]/hook',
      'http://0.0.0.0:9/hook',
    ]) {
      const res = await call('manufacturer', 'POST', '/v1/webhooks', {
        as: 'manufacturer-admin1',
        body: { url },
      });
      expectProblem(res, 400, 'WEBHOOK_DESTINATION_FORBIDDEN');
    }
    // 127.0.0.1 is in the e2e gateways' allow-list: the tests' receivers live there.
    const receiver = new WebhookReceiver();
    await receiver.start();
    try {
      const ok = await call<{ subscription: { id: string } }>('manufacturer', 'POST', '/v1/webhooks', {
        as: 'manufacturer-admin1',
        body: { url: receiver.url('/allowed'), events: ['AssetCreated'], assetId: lot },
      });
      expect(ok.status).toBe(201);
      expect((await call('manufacturer', 'DELETE', `/v1/webhooks/${ok.body.subscription.id}`, { as: 'manufacturer-admin1' })).status).toBe(204);
    } finally {
      await receiver.stop();
    }
  });

  it('answers an invalid-key flood with 429 without starving valid keys', async () => {
    const flood = Array.from({ length: 200 }, () =>
      call('carrier', 'GET', `/v1/assets/${lot}`, { apiKey: forgedKey() }),
    );
    const valid = Array.from({ length: 20 }, () =>
      call('carrier', 'GET', `/v1/assets/${lot}`, { as: 'carrier-user1' }).then((r) => r.status),
    );
    const [flooded, served] = await Promise.all([Promise.all(flood), Promise.all(valid)]);
    const statuses = flooded.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // The anonymous bucket (burst 40, 20/s) lets few of the 200 through to a 401.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(100);
    expect(served).toEqual(Array(20).fill(200));
    const limited = flooded.find((r) => r.status === 429);
    if (!limited) throw new Error('no 429 in the flood');
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('refuses forged and edited page cursors with 400, never 500', async () => {
    const page = await call<{ nextCursor: string | null }>(
      'manufacturer',
      'GET',
      '/v1/assets?owner=ManufacturerMSP&limit=1',
      { as: 'manufacturer-user1' },
    );
    expect(page.status).toBe(200);
    const real = page.body.nextCursor ?? '';
    expect(real).not.toBe('');
    const edited = `${real.slice(0, 5)}${real[5] === 'A' ? 'B' : 'A'}${real.slice(6)}`;
    const unsigned = Buffer.from(JSON.stringify({ b: 'x', f: '[null,null,null,null]' })).toString('base64url');
    const offset = Buffer.from(JSON.stringify({ b: '1e400', f: '{}' })).toString('base64url');
    for (const [query, cursor] of [
      ['owner=ManufacturerMSP', edited],
      ['owner=ManufacturerMSP', unsigned],
      ['source=read-model&sort=id', offset],
      ['source=read-model&sort=id', `${offset}.${'A'.repeat(43)}`],
      ['owner=ManufacturerMSP', 'x'.repeat(2048)],
    ] as const) {
      const res = await call('manufacturer', 'GET', `/v1/assets?${query}&cursor=${encodeURIComponent(cursor)}`, {
        as: 'manufacturer-user1',
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    // The real cursor still works.
    const next = await call('manufacturer', 'GET', `/v1/assets?owner=ManufacturerMSP&limit=1&cursor=${encodeURIComponent(real)}`, {
      as: 'manufacturer-user1',
    });
    expect(next.status).toBe(200);
  });

  it('runs one reconciliation at a time: a concurrent one is 409', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 3 }, () =>
        call('manufacturer', 'GET', '/v1/read-model/reconcile', { as: 'manufacturer-admin1' }),
      ),
    );
    const codes = statuses.map((r) => r.status).sort();
    expect(codes).toContain(200);
    expect(codes).toContain(409);
    expect(codes.every((c) => c === 200 || c === 409)).toBe(true);
    const refused = statuses.find((r) => r.status === 409);
    if (refused) expectProblem(refused, 409, 'RECONCILE_RUNNING');
  });

  it('answers undeclared methods with 405 problem+json and Allow', async () => {
    const del = await call('manufacturer', 'DELETE', '/v1/assets', { as: 'manufacturer-user1' });
    expectProblem(del, 405, 'METHOD_NOT_ALLOWED');
    expect(del.headers.get('allow')?.split(', ')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const put = await call('manufacturer', 'PUT', `/v1/assets/${lot}`, { as: 'manufacturer-user1', body: {} });
    expectProblem(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toContain('GET');
    // A path that is not served at all stays 404.
    expectProblem(await call('manufacturer', 'PUT', '/v1/nothing-here', { as: 'manufacturer-user1' }), 404, 'ROUTE_NOT_FOUND');
  });
});
