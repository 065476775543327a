import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface ReceivedDelivery {
  readonly path: string;
  readonly eventId: string;
  readonly deliveryId: string;
  /** The parsed body (the event). */
  readonly event: { id: string; name: string; txId: string; blockNumber: number; assetIds: string[]; payload: Record<string, unknown> };
  /** Whether the signature verified with the path's secret (docs/events.md algorithm). */
  readonly signatureValid: boolean;
  /** Status the receiver answered. */
  readonly status: number;
  readonly at: number;
}

/** How a path answers: a status per request (index = the path's request count), default 200. */
export type Behaviour = (requestIndex: number) => number;

/**
 * A webhook receiver on 127.0.0.1 (ephemeral port). It verifies each request as docs/events.md
 * tells receivers to: HMAC-SHA256 over `<t>.<raw body>` with the subscription secret, compared with
 * the `v1` value of `Waybill-Signature` in constant time, `t` within 5 minutes.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  readonly #secrets = new Map<string, string>();
  readonly #behaviours = new Map<string, Behaviour>();
  readonly #counts = new Map<string, number>();
  readonly #server = http.createServer((req, res) => this.#handle(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  /** The secret a path's subscription signs with. */
  secret(path: string, secret: string): void {
    this.#secrets.set(path, secret);
  }

  behave(path: string, behaviour: Behaviour): void {
    this.#behaviours.set(path, behaviour);
  }

  /** Deliveries to a path that the receiver accepted (2xx). */
  accepted(path: string): ReceivedDelivery[] {
    return this.received.filter((r) => r.path === path && r.status >= 200 && r.status < 300);
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      const index = this.#counts.get(path) ?? 0;
      this.#counts.set(path, index + 1);
      const status = (this.#behaviours.get(path) ?? (() => 200))(index);
      const secret = this.#secrets.get(path);
      this.received.push({
        path,
        eventId: String(req.headers['waybill-event-id']),
        deliveryId: String(req.headers['waybill-delivery-id']),
        event: JSON.parse(body) as ReceivedDelivery['event'],
        signatureValid: secret !== undefined && verify(secret, req.headers['waybill-signature'], body),
        status,
        at: Date.now(),
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'failing on purpose');
    });
  }
}

function verify(secret: string, header: string | string[] | undefined, body: string): boolean {
  if (typeof header !== 'string') return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1 ?? '', 'hex'));
}
