import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationForbiddenError, DestinationPolicy } from './destination';
import { failureClass, newWebhookPost } from './webhook-post';

describe('newWebhookPost', () => {
  let server: http.Server;
  let port: number;
  const received: { path: string; body: string; host: string | undefined }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body, host: req.headers.host });
        if (req.url === '/slow') return; // never answers
        res.writeHead(req.url === '/fail' ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const init = { headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 2000 };

  it('sends to an allowed loopback address and reports the status', async () => {
    const post = newWebhookPost(new DestinationPolicy(['127.0.0.1/32']));
    expect(await post(`http://127.0.0.1:${port}/ok`, init)).toBe(204);
    expect(await post(`http://127.0.0.1:${port}/fail`, init)).toBe(503);
    expect(received.find((r) => r.path === '/ok')).toMatchObject({ body: '{"a":1}' });
  });

  it('connects to the address the name resolved to, once, keeping the name in Host', async () => {
    let lookups = 0;
    const post = newWebhookPost(
      new DestinationPolicy(['127.0.0.1/32'], () => {
        lookups += 1;
        return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      }),
    );
    expect(await post(`http://receiver.test:${port}/named`, init)).toBe(204);
    expect(lookups).toBe(1);
    expect(received.find((r) => r.path === '/named')?.host).toBe(`receiver.test:${port}`);
  });

  it('refuses loopback without the allow-list, before connecting', async () => {
    const before = received.length;
    const post = newWebhookPost(new DestinationPolicy([]));
    const err: unknown = await post(`http://127.0.0.1:${port}/ok`, init).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DestinationForbiddenError);
    expect(failureClass(err)).toBe('destination_forbidden');
    const named = newWebhookPost(
      new DestinationPolicy([], () => Promise.resolve([{ address: '127.0.0.1', family: 4 }])),
    );
    await expect(named(`http://rebound.test:${port}/ok`, init)).rejects.toBeInstanceOf(DestinationForbiddenError);
    expect(received.length).toBe(before);
  });

  it('gives up at the deadline (timeout) and on a closed port (connect_failed)', async () => {
    const post = newWebhookPost(new DestinationPolicy(['127.0.0.1/32']));
    const slow: unknown = await post(`http://127.0.0.1:${port}/slow`, { ...init, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(failureClass(slow)).toBe('timeout');
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused: unknown = await post(`http://127.0.0.1:${freePort}/`, init).catch((e: unknown) => e);
    expect(failureClass(refused)).toBe('connect_failed');
  });
});
