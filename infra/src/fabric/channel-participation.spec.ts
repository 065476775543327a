import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedPair } from '../testing/x509';
import { channelInfo, joinOrderer, type OrdererAdmin } from './channel-participation';

/**
 * A stand-in for an orderer's admin endpoint (HTTPS, client certificate required) that records
 * what `joinOrderer` sends, so the request can be checked against what `osnadmin channel join`
 * sends: POST /participation/v1/channels, multipart form, the block in field `config-block`.
 */
describe('channel participation API client', () => {
  let server: https.Server;
  let admin: OrdererAdmin;
  const seen: { method?: string; url?: string; type?: string; body?: Buffer; clientCert?: boolean }[] = [];

  beforeAll(async () => {
    const serverPair = await selfSignedPair('localhost', 1);
    const clientPair = await selfSignedPair('orderer-admin', 1);
    server = https.createServer({ cert: serverPair.cert, key: serverPair.key, ca: clientPair.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks), clientCert: (req.socket as import('node:tls').TLSSocket).authorized });
        if (req.method === 'GET' && req.url === '/participation/v1/channels/missing') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"channel does not exist"}');
        } else if (req.method === 'POST') {
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"name":"ch","url":"/participation/v1/channels/ch","consensusRelation":"consenter","status":"active","height":1}');
        } else res.writeHead(405).end('{"error":"cannot join: channel already exists"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    admin = {
      name: 'orderer0',
      url: `https://localhost:${(server.address() as AddressInfo).port}`,
      tlsRootCert: Buffer.from(serverPair.cert),
      clientCert: Buffer.from(clientPair.cert),
      clientKey: Buffer.from(clientPair.key),
    };
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('joins with the block as the multipart field config-block, over mutual TLS', async () => {
    const block = Buffer.from([0, 1, 2, 250, 251, 252]);
    await expect(joinOrderer(admin, block)).resolves.toMatchObject({ name: 'ch', status: 'active', height: 1 });
    const req = seen.at(-1);
    expect(req).toMatchObject({ method: 'POST', url: '/participation/v1/channels', clientCert: true });
    const boundary = /boundary=(.+)$/.exec(req?.type ?? '')?.[1] ?? '';
    expect(req?.type).toMatch(/^multipart\/form-data; boundary=/);
    const body = req?.body ?? Buffer.alloc(0);
    expect(body.toString('latin1')).toContain(`--${boundary}\r\nContent-Disposition: form-data; name="config-block"; filename="config.block"\r\n`);
    expect(body.includes(block)).toBe(true);
  });

  it('reads a missing channel as undefined and reports a refusal with its reason', async () => {
    await expect(channelInfo(admin, 'missing')).resolves.toBeUndefined();
    await expect(channelInfo(admin, 'other')).rejects.toThrow('orderer0: channel other query refused (HTTP 405): cannot join: channel already exists');
  });
});
