import type { Database } from '../database/database';
import { migrate } from '../database/migrations';
import type { LedgerBlock } from '../ledger/ledger.port';
import { ProjectionRepository } from '../read-model/projection.repository';
import { anAsset } from '../testing/fake-assets';
import { testDatabases } from '../testing/databases';
import { KeyRing } from '../crypto/envelope-crypto';
import { WebhookRepository } from '../webhooks/webhook.repository';
import { attestingWrites } from '../testing/attesting-writes';
import type { EventWrites } from './event-attestation';
import { EventStoreRepository, READER_CHECKPOINT } from './event-store.repository';

const KEK_A = Buffer.alloc(32, 1);
const KEK_B = Buffer.alloc(32, 2);

const encoder = new TextEncoder();

function block(
  number: number,
  txs: {
    txId: string;
    name: string;
    payload: unknown;
    valid?: boolean;
    chaincode?: string;
    writes?: EventWrites;
    creator?: string;
  }[],
): LedgerBlock {
  return {
    number: BigInt(number),
    bytes: new Uint8Array(),
    transactions: txs.map((t) => ({
      txId: t.txId,
      type: 'ENDORSER_TRANSACTION',
      timestamp: new Date('2026-01-01T00:00:00Z'),
      validationCode: t.valid === false ? 'MVCC_READ_CONFLICT' : 'VALID',
      creatorMspId: t.creator ?? 'ManufacturerMSP',
      chaincodeEvents: [
        {
          chaincode: t.chaincode ?? 'waybill',
          name: t.name,
          payload: encoder.encode(JSON.stringify(t.payload)),
          writes: t.writes ?? attestingWrites(t.name, t.payload),
        },
      ],
    })),
  };
}

describe.each(testDatabases())('event storage on %s', (_name, open) => {
  let db: Database;
  let store: EventStoreRepository;

  beforeEach(async () => {
    db = await open();
    await migrate(db);
    store = new EventStoreRepository(db);
  });
  afterEach(() => db.close());

  it('stores only events backed by the writes of their transaction (a forged one never reaches the store)', async () => {
    const own = { keys: [], collections: ['_implicit_org_RetailerMSP'] };
    const stored = await store.appendBlock(
      block(7, [
        // Valid at commit (it wrote only the retailer's own collection) but speaks for another's lot.
        {
          txId: 'f1',
          name: 'AssetRecalled',
          payload: { recallId: 'r', rootAssetId: 'L1', markedAssetIds: ['L1'] },
          writes: own,
          creator: 'RetailerMSP',
        },
        {
          txId: 'f2',
          name: 'TitleTransferred',
          payload: { assetId: 'L1', from: 'ManufacturerMSP', to: 'RetailerMSP' },
          writes: own,
          creator: 'RetailerMSP',
        },
        // Terms events speak for the submitter's own collection only.
        {
          txId: 'f3',
          name: 'TermsAgreed',
          payload: { assetId: 'L1', org: 'ManufacturerMSP' },
          writes: own,
          creator: 'RetailerMSP',
        },
        {
          txId: 'g1',
          name: 'TermsAgreed',
          payload: { assetId: 'L1', org: 'RetailerMSP' },
          writes: own,
          creator: 'RetailerMSP',
        },
        { txId: 'g2', name: 'StatusChanged', payload: { assetId: 'L1', status: 'ON_HOLD' } },
      ]),
      'waybill',
    );
    expect(stored.map((e) => e.id)).toEqual(['g1:TermsAgreed', 'g2:StatusChanged']);
    expect(await store.checkpoint(READER_CHECKPOINT)).toBe(7);
  });

  it('stores valid events of its chaincode with the checkpoint, once, in order', async () => {
    const stored = await store.appendBlock(
      block(5, [
        {
          txId: 'a',
          name: 'AssetCreated',
          payload: { assetId: 'L1', timestamp: '2026-02-01T10:00:00.000Z' },
        },
        { txId: 'b', name: 'AssetCreated', payload: { assetId: 'L2' }, valid: false },
        { txId: 'c', name: 'Other', payload: {}, chaincode: 'other' },
        { txId: 'd', name: 'AssetSplit', payload: { parentId: 'L1', childIds: ['L1a', 'L1b'] } },
      ]),
      'waybill',
    );
    expect(stored.map((e) => [e.seq, e.id, e.assetIds])).toEqual([
      [1, 'a:AssetCreated', ['L1']],
      [2, 'd:AssetSplit', ['L1', 'L1a', 'L1b']],
    ]);
    expect(stored[0]?.timestamp).toBe(Date.parse('2026-02-01T10:00:00.000Z'));
    expect(await store.checkpoint(READER_CHECKPOINT)).toBe(5);
    // A replayed block changes nothing.
    expect(
      await store.appendBlock(
        block(5, [{ txId: 'a', name: 'AssetCreated', payload: { assetId: 'L1' } }]),
        'waybill',
      ),
    ).toEqual([]);
    await store.appendBlock(block(6, []), 'waybill');
    expect(await store.checkpoint(READER_CHECKPOINT)).toBe(6);
    await store.appendBlock(
      block(7, [{ txId: 'e', name: 'StatusChanged', payload: { assetId: 'L1a' } }]),
      'waybill',
    );

    expect((await store.list({ afterSeq: 0, limit: 10 })).map((e) => e.id)).toEqual([
      'a:AssetCreated',
      'd:AssetSplit',
      'e:StatusChanged',
    ]);
    expect((await store.list({ afterSeq: 0, assetId: 'L1a', limit: 10 })).map((e) => e.id)).toEqual([
      'd:AssetSplit',
      'e:StatusChanged',
    ]);
    expect(
      (
        await store.list({ afterSeq: 0, names: ['StatusChanged', 'AssetCreated'], uptoSeq: 2, limit: 10 })
      ).map((e) => e.id),
    ).toEqual(['a:AssetCreated']);
    expect(await store.seqOf('d:AssetSplit')).toBe(2);
    expect(await store.seqOf('nope')).toBeUndefined();
    expect(await store.seqBeforeBlock(6)).toBe(2);
    expect(await store.seqBeforeBlock(0)).toBe(0);
    expect(await store.seqBeforeBlock(99)).toBe(3);
    expect(await store.blockOf(3)).toBe(7);
  });

  it('keeps subscriptions, deliveries and attempts, and redelivers dead letters', async () => {
    await store.appendBlock(
      block(1, [{ txId: 'a', name: 'AssetCreated', payload: { assetId: 'L1' } }]),
      'waybill',
    );
    const repo = new WebhookRepository(db, new KeyRing(KEK_A));
    const sub = await repo.create({
      url: 'https://r.example/h',
      secret: 's'.repeat(20),
      eventNames: ['AssetCreated'],
      assetId: null,
      maxAttempts: 2,
      format: 'waybill',
      signatures: ['waybill'],
      createdBy: 'admin',
    });
    expect(sub).toMatchObject({ lastEventSeq: 1, eventNames: ['AssetCreated'], maxAttempts: 2 });
    await repo.enqueue(sub.id, [{ seq: 2, id: 'b:AssetCreated', orderKey: 'L2' }], 2);
    await repo.enqueue(sub.id, [{ seq: 2, id: 'b:AssetCreated', orderKey: 'L2' }], 2);
    const [d] = await repo.pending(sub.id, 10);
    expect(d).toMatchObject({ eventId: 'b:AssetCreated', state: 'pending', attempts: 0 });
    if (!d) throw new Error('no delivery');
    await repo.recordAttempt(
      d,
      { startedAt: 1, durationMs: 3, statusCode: 500, error: 'HTTP 500' },
      { state: 'dead' },
    );
    expect(await repo.pending(sub.id, 10)).toEqual([]);
    expect(await repo.deliveries(sub.id, { state: 'dead', limit: 10 })).toEqual([
      expect.objectContaining({ id: d.id, attempts: 1, lastError: 'HTTP 500' }),
    ]);
    expect(await repo.redeliver(sub.id)).toBe(1);
    const [again] = await repo.pending(sub.id, 10);
    if (!again) throw new Error('not pending again');
    expect(again).toMatchObject({ attempts: 1, roundAttempts: 0 });
    await repo.recordAttempt(
      again,
      { startedAt: 2, durationMs: 4, statusCode: 204, error: null },
      { state: 'delivered' },
    );
    expect((await repo.attempts([d.id])).get(d.id)?.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 204],
    ]);
    expect((await repo.get(sub.id))?.lastEventSeq).toBe(2);
    expect(await repo.delete(sub.id)).toBe(true);
    expect(await repo.list()).toEqual([]);
  });

  it('keeps webhook secrets sealed under the KEK, rewraps them after a rotation and seals ones left in clear', async () => {
    const secret = 'whsec_do-not-store-me-in-clear';
    const old = new WebhookRepository(db, new KeyRing(KEK_A));
    const sub = await old.create({
      url: 'https://r.example/h',
      secret,
      eventNames: null,
      assetId: null,
      maxAttempts: null,
      format: 'waybill',
      signatures: ['waybill'],
      createdBy: 'admin',
    });
    expect(sub.secret).toBe(secret);
    const stored = JSON.stringify(await db.query('SELECT * FROM webhook_subscriptions'));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    // A row from schema version 3 (secret in clear) is still readable, and sealed by the rewrap.
    await db.execute(
      `INSERT INTO webhook_subscriptions (id, url, secret, event_names, asset_id, max_attempts, last_event_seq, created_by, created_at)
       VALUES ('wh_legacy', 'https://r.example/l', 'legacy-secret-in-clear', NULL, NULL, NULL, 0, 'admin', 1)`,
    );
    // The gateway's start seals it at once (and only it).
    expect(await old.sealClearSecrets()).toBe(1);
    expect(await old.sealClearSecrets()).toBe(0);
    expect(JSON.stringify(await db.query('SELECT * FROM webhook_subscriptions'))).not.toContain('legacy-secret-in-clear');
    // Rotation: the new KEK with the old one as previous opens both, then seals both under the new one.
    const rotated = new WebhookRepository(db, new KeyRing(KEK_B, [KEK_A]));
    expect((await rotated.list()).map((x) => x.secret).sort()).toEqual(['legacy-secret-in-clear', secret]);
    expect(await rotated.rewrapSecrets()).toBe(2);
    expect(await rotated.rewrapSecrets()).toBe(0);
    expect(JSON.stringify(await db.query('SELECT * FROM webhook_subscriptions'))).not.toContain(
      'legacy-secret-in-clear',
    );
    const only = new WebhookRepository(db, new KeyRing(KEK_B));
    expect((await only.get(sub.id))?.secret).toBe(secret);
    // Without the key that sealed them, secrets do not open.
    await expect(new WebhookRepository(db, new KeyRing(KEK_A)).list()).rejects.toThrow(/not configured/);
  });

  it('queries the projection by text, dates and sort, with LIKE wildcards taken literally', async () => {
    const projection = new ProjectionRepository(db);
    const asset = (id: string, description: string, createdAt: string) => ({
      json: JSON.stringify(
        anAsset({ id, product: { sku: 'SKU-1', description }, createdAt, updatedAt: createdAt }),
      ),
      seq: 1,
    });
    await projection.apply(
      [
        asset('A', 'Arabica coffee', '2026-01-01T00:00:00.000Z'),
        asset('B', 'Robusta coffee 100%', '2026-02-01T00:00:00.000Z'),
        asset('C', 'Tomatoes', '2026-03-01T00:00:00.000Z'),
      ],
      [],
      3,
    );
    const ids = async (q: Partial<Parameters<ProjectionRepository['query']>[0]>) =>
      (await projection.query({ sort: 'id', offset: 0, limit: 10, ...q })).items.map(
        (j) => (JSON.parse(j) as { id: string }).id,
      );
    expect(await ids({ q: 'COFFEE', sort: '-createdAt' })).toEqual(['B', 'A']);
    expect(await ids({ q: '100%' })).toEqual(['B']);
    expect(await ids({ q: '%' })).toEqual(['B']);
    expect(
      await ids({
        createdFrom: Date.parse('2026-01-15T00:00:00Z'),
        createdTo: Date.parse('2026-02-01T00:00:00Z'),
      }),
    ).toEqual(['B']);
    expect(await projection.query({ sort: 'id', offset: 1, limit: 1 })).toEqual({
      items: [expect.stringContaining('"id":"B"')],
      more: true,
    });
    await projection.apply([], ['C'], 4);
    expect((await projection.ids()).sort()).toEqual(['A', 'B']);
    expect([...(await projection.documents(['A', 'C'])).keys()]).toEqual(['A']);
  });
});
