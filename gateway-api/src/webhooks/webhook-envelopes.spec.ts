import { HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { JsonLogger } from '../common/logger';
import { cloudEventSource, cloudEventType } from '../events/cloud-event';
import { EventBus } from '../events/event-bus';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import { MetricsService } from '../metrics/metrics.service';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import { type HttpPost, WebhookDispatcher } from './webhook-dispatcher';
import type { Delivery, Subscription, WebhookFormat, WebhookRepository } from './webhook.repository';

const EVENT: StoredEvent = {
  seq: 7,
  id: 'tx7:HandoverProposed',
  blockNumber: 42,
  txId: 'tx7',
  name: 'HandoverProposed',
  assetIds: ['LOT-9', 'LOT-10'],
  timestamp: Date.parse('2026-11-30T10:00:00.000Z'),
  payload: '{"assetId":"LOT-9","from":"ManufacturerMSP","to":"CarrierMSP"}',
};
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const ORIGIN = { network: 'prod', channel: 'supplychain', chaincode: 'waybill' };

interface Sent {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Delivers EVENT once to a subscription in `format`, signed with both schemes; returns the request. */
async function deliver(format: WebhookFormat): Promise<Sent> {
  const sub: Subscription = {
    id: 'wh_1',
    url: 'https://receiver.example/hook',
    secret: SECRET,
    eventNames: null,
    assetId: null,
    maxAttempts: null,
    format,
    signatures: ['waybill', 'standard'],
    lastEventSeq: 0,
    createdBy: 'admin',
    createdAt: 0,
  };
  let delivery: Delivery | undefined = {
    id: 'dl_1',
    subscriptionId: sub.id,
    eventSeq: EVENT.seq,
    eventId: EVENT.id,
    orderKey: 'LOT-9',
    state: 'pending',
    attempts: 0,
    roundAttempts: 0,
    nextAttemptAt: 0,
    lastStatus: null,
    lastError: null,
    createdAt: 0,
    deliveredAt: null,
  };
  const repo = {
    list: () => Promise.resolve([sub]),
    get: () => Promise.resolve(sub),
    enqueue: () => Promise.resolve(),
    pending: () => Promise.resolve(delivery ? [delivery] : []),
    recordAttempt: () => {
      delivery = undefined;
      return Promise.resolve();
    },
  } as unknown as WebhookRepository;
  const events = {
    maxSeq: () => Promise.resolve(EVENT.seq),
    list: () => Promise.resolve([EVENT]),
    bySeq: () => Promise.resolve([EVENT]),
  } as unknown as EventStoreRepository;
  let resolveSent!: (s: Sent) => void;
  const sent = new Promise<Sent>((r) => (resolveSent = r));
  const post: HttpPost = (_url, init) => {
    resolveSent({ headers: init.headers, body: init.body });
    return Promise.resolve(204);
  };
  const dispatcher = new WebhookDispatcher(
    repo,
    events,
    new EventBus(),
    {
      timeoutMs: 1000,
      maxAttempts: 3,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
      concurrency: 1,
      origin: ORIGIN,
    },
    new JsonLogger('error', () => undefined),
    new MetricsService({ defaultMetrics: false }),
    post,
  );
  await dispatcher.start();
  try {
    return await sent;
  } finally {
    await dispatcher.stop();
  }
}

/** Both signatures check out, the Standard Webhooks one with that scheme's own verifier. */
function expectSignedBothWays(s: Sent): void {
  expect(verifySignature(SECRET, s.headers[SIGNATURE_HEADER], s.body)).toBe('ok');
  const verified = new Webhook(SECRET).verify(s.body, s.headers);
  expect(verified).toBeDefined();
  expect(s.headers['webhook-id']).toBe(EVENT.id);
  // A body changed by one byte fails it.
  expect(() => new Webhook(SECRET).verify(`${s.body} `, s.headers)).toThrow();
}

const EXPECTED_CLOUD_EVENT = {
  specversion: '1.0',
  id: EVENT.id,
  source: '/waybill/prod/supplychain/waybill',
  type: 'io.waybill.handover.proposed',
  subject: 'LOT-9',
  time: '2026-11-30T10:00:00.000Z',
  datacontenttype: 'application/json',
  data: { assetId: 'LOT-9', from: 'ManufacturerMSP', to: 'CarrierMSP' },
  blocknumber: 42,
  txid: 'tx7',
  assetids: 'LOT-9,LOT-10',
};

describe('webhook envelopes and signatures', () => {
  it('names CloudEvents types and sources as documented', () => {
    expect(cloudEventType('AssetCreated')).toBe('io.waybill.asset.created');
    expect(cloudEventType('PersonalDataRefErased')).toBe('io.waybill.personal-data-ref.erased');
    expect(cloudEventType('AssetsMerged')).toBe('io.waybill.assets.merged');
    expect(cloudEventSource({ network: 'a b', channel: 'c', chaincode: 'd' })).toBe('/waybill/a%20b/c/d');
  });

  it('sends a structured-mode CloudEvent signed with both schemes', async () => {
    const s = await deliver('cloudevents-structured');
    expect(s.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expectSignedBothWays(s);
    const parsed = HTTP.toEvent({ headers: s.headers, body: s.body });
    expect(Array.isArray(parsed) ? parsed[0] : parsed).toMatchObject(EXPECTED_CLOUD_EVENT);
  });

  it('sends a binary-mode CloudEvent signed with both schemes', async () => {
    const s = await deliver('cloudevents-binary');
    expect(s.headers['ce-id']).toBe(EVENT.id);
    expect(s.headers['ce-type']).toBe('io.waybill.handover.proposed');
    expect(s.headers['ce-blocknumber']).toBe('42');
    expect(s.headers['content-type']).toMatch(/^application\/json/);
    expectSignedBothWays(s);
    expect(JSON.parse(s.body)).toEqual(EXPECTED_CLOUD_EVENT.data);
    const parsed = HTTP.toEvent({ headers: s.headers, body: s.body });
    expect(Array.isArray(parsed) ? parsed[0] : parsed).toMatchObject({
      ...EXPECTED_CLOUD_EVENT,
      blocknumber: '42',
    });
  });

  it("keeps the gateway's own body in the waybill format", async () => {
    const s = await deliver('waybill');
    expectSignedBothWays(s);
    expect(JSON.parse(s.body)).toMatchObject({ id: EVENT.id, name: 'HandoverProposed', blockNumber: 42 });
  });
});
