import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Traffic through the partner APIs and the accounting after it: the one implementation behind
 * `npm run soak` and the fault suite (test/network/faults.e2e.ts).
 *
 * Lots are created on the manufacturer's API, handed to the carrier (proposed on the
 * manufacturer's API, accepted on the carrier's) and on to the retailer (proposed on the
 * carrier's, accepted on the retailer's), so every API and every organisation's peer takes part.
 * Every write carries an `Idempotency-Key` and is retried with it while the answer allows; every
 * 2xx is recorded with its transaction ID, so that afterwards the ledger can be held to what the
 * clients were told.
 */

/** The three organisations whose APIs carry the traffic, as in file names. */
export const TRAFFIC_ORGS = ['manufacturer', 'carrier', 'retailer'] as const;
export type TrafficOrg = (typeof TRAFFIC_ORGS)[number];

/** One organisation's gateway API: its URL and the API key of each identity (`stack up`'s keys file). */
export interface OrgApi {
  readonly url: string;
  readonly keys: Readonly<Record<string, string>>;
}

export type TrafficApis = Readonly<Record<TrafficOrg, OrgApi>>;

/** The APIs of a network started by `stack up` in `dir`. */
export function loadApis(dir: string): TrafficApis {
  const read = (org: TrafficOrg): OrgApi =>
    JSON.parse(readFileSync(path.join(dir, 'gateway', `${org}-api-keys.json`), 'utf8')) as OrgApi;
  return { manufacturer: read('manufacturer'), carrier: read('carrier'), retailer: read('retailer') };
}

/** The identity of an organisation's API that the traffic acts as. */
const USER: Readonly<Record<TrafficOrg, string>> = {
  manufacturer: 'manufacturer-user1',
  carrier: 'carrier-user1',
  retailer: 'retailer-user1',
};

function adminOf(api: OrgApi): string {
  return Object.keys(api.keys).find((k) => k.includes('admin')) ?? '';
}

/** What an HTTP call answered. */
export interface Answer {
  readonly status: number;
  readonly body: { retryable?: boolean; code?: string; txId?: string } & Record<string, unknown>;
}

/** An HTTP client of the APIs with its own keep-alive agent. */
export class ApiClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 2048 });

  constructor(readonly timeoutMs = 120_000) {}

  /** One request as `as` (an identity of `api`'s keys file); rejects on a transport failure. */
  call(
    api: OrgApi,
    as: string,
    method: string,
    urlPath: string,
    body?: unknown,
    idem?: string,
  ): Promise<Answer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(urlPath, api.url);
    const headers: http.OutgoingHttpHeaders = { 'x-api-key': api.keys[as] ?? '' };
    if (text !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(text);
    }
    if (idem) headers['idempotency-key'] = idem;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: url.pathname + url.search,
          agent: this.#agent,
          headers,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let parsed: Answer['body'] = {};
            try {
              parsed = raw ? (JSON.parse(raw) as Answer['body']) : {};
            } catch {
              parsed = {};
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
      req.end(text);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Counts by class (`503 LEDGER_UNAVAILABLE`, `transport ECONNREFUSED`…). */
export type Classes = Map<string, number>;

function add(map: Classes, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** `503 X ×2, transport Y ×1`, or `none`. */
export function formatClasses(map: Classes): string {
  return [...map].map(([c, n]) => `${c} ×${n}`).join(', ') || 'none';
}

/** Where a lot is: the custodian its last accepted write gave it. */
export type Custodian = 'ManufacturerMSP' | 'CarrierMSP' | 'RetailerMSP';

/** What the clients were told about one lot. */
export interface LotRecord {
  readonly id: string;
  /** Transaction IDs of the writes answered 2xx, in order. */
  readonly txIds: string[];
  /** The custodian after the last accepted handover; undefined until the create was accepted. */
  custodian: Custodian | undefined;
  /** Writes on this lot that were given up: their outcome is unknown to the client. */
  givenUp: number;
}

/** Counters of one run of traffic. */
export class Tally {
  readonly attemptErrors: Classes = new Map();
  /** Failed attempts per API, by class. */
  readonly attemptErrorsBy: Record<TrafficOrg, Classes> = {
    manufacturer: new Map(),
    carrier: new Map(),
    retailer: new Map(),
  };
  readonly finalErrors: Classes = new Map();
  /** Accepted (2xx) writes per API. */
  readonly acceptedBy: Record<TrafficOrg, number> = { manufacturer: 0, carrier: 0, retailer: 0 };
  readonly lots = new Map<string, LotRecord>();

  get acceptedWrites(): number {
    return TRAFFIC_ORGS.reduce((s, o) => s + this.acceptedBy[o], 0);
  }

  get givenUp(): number {
    return [...this.finalErrors.values()].reduce((s, n) => s + n, 0);
  }
}

export interface TrafficOptions {
  readonly apis: TrafficApis;
  /** Writes in flight (at least 2: a quarter, at least one, hand lots on to the retailer). */
  readonly concurrency: number;
  /** Logical operations to make before the traffic ends on its own (default: until stopped). */
  readonly operations?: number;
  /** Prefix of the lots' IDs (unique per run). */
  readonly tag: string;
  /** How long one write is retried with its Idempotency-Key before it is given up. */
  readonly retryForMs?: number;
  readonly client?: ApiClient;
}

/**
 * Traffic through the three APIs until stopped (or `operations` are done). Workers of the first
 * kind create lots (four operations in five) and hand earlier ones to the carrier; a quarter of
 * the workers hands lots on from the carrier to the retailer. The two kinds wait on each other
 * only through the queue of lots, so a cut-off retailer holds up its own hand-overs and nothing
 * else.
 */
export class Traffic {
  readonly tally = new Tally();
  readonly #o: TrafficOptions;
  readonly #client: ApiClient;
  readonly #ownClient: boolean;
  #next = 0;
  #probes = 0;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  readonly #toCarrier: string[] = [];
  readonly #toRetailer: string[] = [];

  constructor(o: TrafficOptions) {
    if (o.concurrency < 2) throw new Error('traffic needs a concurrency of at least 2');
    this.#o = o;
    this.#client = o.client ?? new ApiClient();
    this.#ownClient = o.client === undefined;
  }

  /** Logical operations started so far. */
  get operations(): number {
    return this.#next;
  }

  /** Starts the workers; resolves when stopped or done. */
  start(): Promise<void> {
    if (this.#running) return this.#running;
    const retailers = Math.max(1, Math.floor(this.#o.concurrency / 4));
    const makers = this.#o.concurrency - retailers;
    this.#running = Promise.all([
      ...Array.from({ length: makers }, () => this.#maker()),
      ...Array.from({ length: retailers }, () => this.#retailer()),
    ]).then(() => undefined);
    return this.#running;
  }

  /** Lets every write in flight finish (or be given up), then stops. Called again, the same. */
  stop(): Promise<void> {
    this.#stopped ??= (async (): Promise<void> => {
      this.#stopping = true;
      await this.#running;
      if (this.#ownClient) this.#client.close();
    })();
    return this.#stopped;
  }

  #done(): boolean {
    return this.#stopping || (this.#o.operations !== undefined && this.#next >= this.#o.operations);
  }

  #lot(id: string): LotRecord {
    let lot = this.tally.lots.get(id);
    if (!lot) {
      lot = { id, txIds: [], custodian: undefined, givenUp: 0 };
      this.tally.lots.set(id, lot);
    }
    return lot;
  }

  async #maker(): Promise<void> {
    while (!this.#done()) {
      const i = this.#next++;
      const id = `${this.#o.tag}-${i}`;
      const lot = i % 5 === 4 ? this.#toCarrier.shift() : undefined;
      if (lot !== undefined) {
        if (await this.#handover(lot, 'manufacturer', 'carrier', 'CarrierMSP')) this.#toRetailer.push(lot);
        continue;
      }
      await this.#create(id);
    }
  }

  /**
   * One more lot created on the manufacturer's API beside the workers (a probe that writes go
   * through now, while the workers may all be waiting on earlier writes), counted like theirs.
   */
  async createOne(): Promise<boolean> {
    return this.#create(`${this.#o.tag}-probe-${this.#probes++}`);
  }

  async #create(id: string): Promise<boolean> {
    const body = {
      id,
      product: { sku: 'SKU-SOAK', description: 'Soak test lot' },
      quantity: { amount: 10, unit: 'case' },
      origin: { site: 'Plant 7', country: 'IT' },
    };
    if (!(await this.#write(this.#lot(id), 'manufacturer', '/v1/assets', body, id))) return false;
    this.#lot(id).custodian = 'ManufacturerMSP';
    this.#toCarrier.push(id);
    return true;
  }

  async #retailer(): Promise<void> {
    while (!this.#done()) {
      const lot = this.#toRetailer.shift();
      if (lot === undefined) {
        await sleep(200);
        continue;
      }
      this.#next++;
      await this.#handover(lot, 'carrier', 'retailer', 'RetailerMSP');
    }
  }

  /** A hand-over proposed on `from`'s API and accepted on `to`'s. */
  async #handover(id: string, from: TrafficOrg, to: TrafficOrg, toMsp: Custodian): Promise<boolean> {
    const lot = this.#lot(id);
    const key = `${id}-to-${to}`;
    if (!(await this.#write(lot, from, `/v1/assets/${id}/handover`, { toOrg: toMsp }, `${key}-p`, true)))
      return false;
    if (!(await this.#write(lot, to, `/v1/assets/${id}/handover/accept`, {}, `${key}-a`, true))) return false;
    lot.custodian = toMsp;
    return true;
  }

  /**
   * One write, retried with the same Idempotency-Key while the answer says it may be (5xx, 429,
   * 409 retryable, a broken connection): a fault may leave its outcome unknown, and the same key
   * must then answer from the first execution, never execute twice.
   *
   * `followsAnother`: the write follows one committed through another organisation's API (a
   * hand-over's step), whose block this organisation's peer may not have yet — it then refuses
   * (403 not the custodian, 409 nothing to accept) on what it holds, and the gateway stores that
   * ledger decision under the key. Such a refusal wrote nothing, so the write is sent again a
   * second later under a new key, for up to 30 s (a peer pulling from a cut-off orderer lags until its
   * keep-alive gives up on it, about 15 s).
   */
  async #write(
    lot: LotRecord,
    org: TrafficOrg,
    urlPath: string,
    body: unknown,
    idem: string,
    followsAnother = false,
  ): Promise<boolean> {
    const t = this.tally;
    const deadline = Date.now() + (this.#o.retryForMs ?? 180_000);
    let key = idem;
    let stale = 0;
    for (let attempt = 0; ; attempt++) {
      let cls: string;
      try {
        const a = await this.#client.call(this.#o.apis[org], USER[org], 'POST', urlPath, body, key);
        if (a.status >= 200 && a.status < 300) {
          if (typeof a.body.txId !== 'string')
            throw new Error(`${urlPath} answered ${a.status} without a txId`);
          lot.txIds.push(a.body.txId);
          t.acceptedBy[org]++;
          return true;
        }
        cls = `${a.status} ${a.body.code ?? ''}`.trim();
        const retry = a.status >= 500 || a.status === 429 || (a.status === 409 && a.body.retryable === true);
        if (!retry && followsAnother && (a.status === 403 || a.status === 409) && stale < 30) {
          stale++;
          cls = `${cls} (peer behind, sent again under a new key)`;
          add(t.attemptErrors, cls);
          add(t.attemptErrorsBy[org], cls);
          key = `${idem}-again${stale}`;
          await sleep(1000);
          continue;
        }
        add(t.attemptErrors, cls);
        add(t.attemptErrorsBy[org], cls);
        if (!retry) {
          add(t.finalErrors, cls);
          lot.givenUp++;
          return false;
        }
      } catch (err) {
        cls = `transport ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        add(t.attemptErrors, cls);
        add(t.attemptErrorsBy[org], cls);
      }
      if (Date.now() > deadline) {
        add(t.finalErrors, `gave up: ${cls}`);
        lot.givenUp++;
        return false;
      }
      await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
    }
  }
}

/**
 * One webhook subscriber per organisation's gateway, counting deliveries per event ID
 * (`Waybill-Event-Id`, `<txId>:<name>`). It listens on loopback unless given another address the
 * gateways can reach (a multi-host test's bridge address); the gateways must allow that address
 * (`WAYBILL_WEBHOOK_ALLOWED_NETWORKS=127.0.0.1/32`).
 */
export class WebhookSubscribers {
  /** Organisation → event ID → deliveries. */
  readonly deliveries = new Map<TrafficOrg, Map<string, number>>();
  /** Organisation → transaction IDs whose event it received. */
  readonly #txIds = new Map<TrafficOrg, Set<string>>();
  readonly #server: http.Server;
  readonly #subscriptions: [TrafficOrg, string][] = [];
  readonly #client = new ApiClient(30_000);

  private constructor(private readonly apis: TrafficApis) {
    this.#server = http.createServer((req, res) => {
      const org = (req.url?.slice(1) ?? '') as TrafficOrg;
      const id = String(req.headers['waybill-event-id'] ?? '');
      req.resume();
      req.on('end', () => {
        this.#received(org, id);
        res.writeHead(204).end();
      });
    });
  }

  /** Starts the receiver on `address` and subscribes it on every API. */
  static async start(apis: TrafficApis, address = '127.0.0.1'): Promise<WebhookSubscribers> {
    const self = new WebhookSubscribers(apis);
    const server = self.#server;
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    const port = (server.address() as { port: number }).port;
    for (const org of TRAFFIC_ORGS) {
      self.deliveries.set(org, new Map());
      self.#txIds.set(org, new Set());
      const api = apis[org];
      const r = await self.#client.call(api, adminOf(api), 'POST', '/v1/webhooks', {
        url: `http://${address}:${port}/${org}`,
      });
      // The answer holds the subscription's secret: only its ID is kept, nothing of it printed.
      const id = (r.body['subscription'] as { id?: unknown } | undefined)?.id;
      if (r.status !== 201 || typeof id !== 'string') {
        await self.close();
        throw new Error(`subscribing on ${org} failed: HTTP ${r.status} ${r.body.code ?? ''}`.trim());
      }
      self.#subscriptions.push([org, id]);
    }
    return self;
  }

  #received(org: TrafficOrg, eventId: string): void {
    const seen = this.deliveries.get(org);
    if (!seen) return;
    seen.set(eventId, (seen.get(eventId) ?? 0) + 1);
    this.#txIds.get(org)?.add(eventId.slice(0, eventId.lastIndexOf(':')));
  }

  /** Whether `org`'s subscriber received the event of transaction `txId`. */
  has(org: TrafficOrg, txId: string): boolean {
    return this.#txIds.get(org)?.has(txId) ?? false;
  }

  /** Deletes the subscriptions (best effort) and stops the receiver. */
  async close(): Promise<void> {
    for (const [org, id] of this.#subscriptions) {
      const api = this.apis[org];
      await this.#client.call(api, adminOf(api), 'DELETE', `/v1/webhooks/${id}`).catch(() => undefined);
    }
    this.#subscriptions.length = 0;
    this.#client.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The accounting after the traffic: what the ledger, the subscribers and the read models hold. */
export interface Accounting {
  /** Writes answered 2xx, and the lots they touched. */
  readonly acceptedWrites: number;
  readonly lots: number;
  /** Writes given up by the clients (outcome unknown to them). */
  readonly givenUp: number;
  /** Transactions on the ledger for the lots (their histories), and how many events that makes. */
  readonly ledgerTransactions: number;
  /** A 2xx whose transaction is not in the lot's history on the ledger: `lot txId`. */
  readonly notOnLedger: readonly string[];
  /** Transactions on a lot's ledger history that no client was answered for and no given-up write explains. */
  readonly unexplained: readonly string[];
  /** Lots whose custodian on the ledger is not the one the last accepted write gave them. */
  readonly wrongState: readonly string[];
  /** Per subscriber: ledger transactions of the lots whose event it did not receive. */
  readonly eventsMissing: Readonly<Record<TrafficOrg, number>>;
  /** Per subscriber: those events delivered more than once (then de-duplicated by ID). */
  readonly eventsDuplicated: Readonly<Record<TrafficOrg, number>>;
  /** Per gateway: read-model differences from the ledger, or the HTTP status of a failed reconcile. */
  readonly readModelDifferences: Readonly<Record<TrafficOrg, number | string>>;
}

/** Whether the accounting shows nothing lost, nothing doubled and nothing diverging. */
export function nothingLost(a: Accounting): boolean {
  return (
    a.notOnLedger.length === 0 &&
    a.unexplained.length === 0 &&
    a.wrongState.length === 0 &&
    TRAFFIC_ORGS.every((o) => a.eventsMissing[o] === 0 && a.readModelDifferences[o] === 0)
  );
}

/**
 * Holds the ledger, the webhook subscribers and the read models to what the clients were told,
 * once the traffic stopped and the network is whole again: each lot's history (read through
 * `reader`'s API) must hold every transaction answered 2xx, and nothing else beyond what a
 * given-up write may have committed; its custodian must be the one the last accepted hand-over
 * gave it; every subscriber must receive the event of every transaction in those histories
 * (waiting up to `eventWaitMs`); every gateway's read model must reconcile with the ledger.
 */
export async function account(
  tally: Tally,
  apis: TrafficApis,
  subscribers: WebhookSubscribers,
  o: {
    readonly reader?: TrafficOrg;
    readonly eventWaitMs?: number;
    readonly log?: (line: string) => void;
  } = {},
): Promise<Accounting> {
  const client = new ApiClient(60_000);
  const reader = o.reader ?? 'retailer';
  const api = apis[reader];
  const notOnLedger: string[] = [];
  const unexplained: string[] = [];
  const wrongState: string[] = [];
  const onLedger: string[] = [];
  const lots = [...tally.lots.values()];
  const get = async (urlPath: string): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const a = await client.call(api, USER[reader], 'GET', urlPath).catch(() => undefined);
      if (a && (a.status < 500 || attempt >= 10)) return a;
      await sleep(1000);
    }
  };
  let k = 0;
  const check = async (): Promise<void> => {
    while (k < lots.length) {
      const lot = lots[k++] as LotRecord;
      const h = await get(`/v1/assets/${lot.id}/history`);
      const entries = h.status === 200 ? ((h.body['entries'] ?? []) as { txId: string }[]) : [];
      if (h.status !== 200 && h.status !== 404) throw new Error(`history of ${lot.id}: HTTP ${h.status}`);
      const history = entries.map((e) => e.txId);
      onLedger.push(...history);
      for (const tx of lot.txIds) if (!history.includes(tx)) notOnLedger.push(`${lot.id} ${tx}`);
      const extra = history.filter((tx) => !lot.txIds.includes(tx));
      if (extra.length > lot.givenUp) unexplained.push(...extra.map((tx) => `${lot.id} ${tx}`));
      if (lot.custodian !== undefined && lot.givenUp === 0) {
        const a = await get(`/v1/assets/${lot.id}`);
        const custodian = a.body['custodian'];
        if (a.status !== 200 || custodian !== lot.custodian) {
          wrongState.push(
            `${lot.id}: ${a.status} custodian ${typeof custodian === 'string' ? custodian : '—'}, expected ${lot.custodian}`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, check));

  const missing = (org: TrafficOrg): number => onLedger.filter((tx) => !subscribers.has(org, tx)).length;
  const deadline = Date.now() + (o.eventWaitMs ?? 300_000);
  while (TRAFFIC_ORGS.some((org) => missing(org) > 0) && Date.now() < deadline) await sleep(2000);
  const eventsMissing = Object.fromEntries(TRAFFIC_ORGS.map((org) => [org, missing(org)])) as Record<
    TrafficOrg,
    number
  >;
  const ours = new Set(onLedger);
  const eventsDuplicated = Object.fromEntries(
    TRAFFIC_ORGS.map((org) => [
      org,
      [...(subscribers.deliveries.get(org) ?? new Map<string, number>())].filter(
        ([id, n]) => n > 1 && ours.has(id.slice(0, id.lastIndexOf(':'))),
      ).length,
    ]),
  ) as Record<TrafficOrg, number>;

  const readModelDifferences = {} as Record<TrafficOrg, number | string>;
  for (const org of TRAFFIC_ORGS) {
    const r = await client.call(apis[org], adminOf(apis[org]), 'GET', '/v1/read-model/reconcile');
    const diff = r.body['differences'];
    readModelDifferences[org] = r.status === 200 && Array.isArray(diff) ? diff.length : `HTTP ${r.status}`;
    if (Array.isArray(diff) && diff.length > 0)
      o.log?.(`read model of ${org}: ${JSON.stringify(diff.slice(0, 3))}`);
  }
  client.close();
  return {
    acceptedWrites: tally.acceptedWrites,
    lots: lots.filter((l) => l.txIds.length > 0).length,
    givenUp: tally.givenUp,
    ledgerTransactions: onLedger.length,
    notOnLedger,
    unexplained,
    wrongState,
    eventsMissing,
    eventsDuplicated,
    readModelDifferences,
  };
}

/** The accounting as the lines `npm run soak` prints. */
export function accountingLines(a: Accounting): string[] {
  const per = (r: Readonly<Record<TrafficOrg, number | string>>): string =>
    TRAFFIC_ORGS.map((org) => `${org} ${r[org]}`).join(', ');
  return [
    `accepted (2xx) writes not on the ledger as answered: ${a.notOnLedger.length}${a.notOnLedger.length ? ` (${a.notOnLedger.slice(0, 5).join('; ')})` : ''}`,
    `ledger transactions on the lots that no answer or given-up write explains (a write executed twice): ${a.unexplained.length}`,
    `lots whose custodian is not the one the last accepted hand-over gave: ${a.wrongState.length}${a.wrongState.length ? ` (${a.wrongState.slice(0, 5).join('; ')})` : ''}`,
    `events: ${a.ledgerTransactions} transactions on the ${a.lots} lots' histories; missing per subscriber: ${per(a.eventsMissing)}; delivered more than once (de-duplicated by ID): ${per(a.eventsDuplicated)}`,
    `read models, differences from the ledger: ${per(a.readModelDifferences)}`,
  ];
}
