import { createHash, randomBytes } from 'node:crypto';
import { assetBody, call, committed, expectProblem } from '../support/api';
import { uniqueId } from '../support/fabric';
import { MSP } from '../support/orgs';

// The life of a lot across three organisations, each calling only its own gateway API with its
// own identities: every write is signed by that organisation's Fabric identity and endorsed by
// the peers the chaincode's policies name.

interface Asset {
  id: string;
  owner: string;
  custodian: string;
  status: string;
  quantity: { amount: number; unit: string };
  parents: string[];
  children: string[];
  manufacturers: string[];
  pendingHandover: { from: string; to: string } | null;
  pendingSale: { saleId: string; seller: string; buyer: string } | null;
  hold: { byOrg: string; byRole: string; previousStatus: string } | null;
  recall: { recallId: string; rootAssetId: string } | null;
  updatedTxId: string;
  documents: { name: string; sha256: string }[];
}

interface TermsReceipt {
  assetId: string;
  saleId: string;
  org: string;
  side: string;
  termsHash: string;
}

interface Lineage {
  assetId: string;
  ancestors: { id: string; depth: number }[];
  descendants: { id: string; depth: number }[];
  truncated: boolean;
}

interface History {
  assetId: string;
  entries: { txId: string; timestamp: string; isDelete: boolean; asset: Asset | null }[];
  truncated: boolean;
}

interface Page {
  items: Asset[];
  nextCursor: string | null;
}

/**
 * Reads of another organisation's write pass its block (`X-Min-Block`): the writer's answer means
 * committed on the writer's peer, and the reader's peer commits the block a moment later.
 */
const atLeast = (block: number) => ({ 'x-min-block': String(block) });
/** The block of the lot's newest write (for the history read). */
let lotBlock = 0;

const M = 'manufacturer';
const C = 'carrier';
const R = 'retailer';

describe('partner API: one lot across manufacturer, carrier and retailer', () => {
  const run = uniqueId('J');
  const sku = `SKU-${run}`;
  const lot = `${run}-lot`;
  /** Transaction IDs of every write to the lot, in order, as the API reported them. */
  const lotTxIds: string[] = [];
  const parts = { a: `${run}-a`, b: `${run}-b`, c: `${run}-c` };
  const merged = `${run}-m`;

  it('manufacturer creates the lot through its own API', async () => {
    const res = await call(M, 'POST', '/v1/assets', {
      as: 'manufacturer-user1',
      body: assetBody(lot, { product: { sku, description: 'Arabica coffee, 1 kg bags' } }),
    });
    const body = committed<Asset>(res, 201);
    expect(res.headers.get('location')).toBe(`/v1/assets/${lot}`);
    expect(body.attempts).toBe(1);
    expect(body.result).toMatchObject({
      id: lot,
      owner: MSP.M,
      custodian: MSP.M,
      status: 'CREATED',
      manufacturers: [MSP.M],
    });
    lotTxIds.push(body.txId);

    // The carrier's gateway reads the same ledger.
    const read = await call<Asset>(C, 'GET', `/v1/assets/${lot}`, { as: 'carrier-user1' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: lot, owner: MSP.M, updatedTxId: body.txId });
  });

  it('hands custody to the carrier: proposed on the manufacturer API, accepted on the carrier API', async () => {
    const proposed = committed<Asset>(
      await call(M, 'POST', `/v1/assets/${lot}/handover`, {
        as: 'manufacturer-user1',
        body: { toOrg: MSP.C },
      }),
    );
    expect(proposed.result.pendingHandover).toMatchObject({ from: MSP.M, to: MSP.C });
    lotTxIds.push(proposed.txId);

    // Only the recipient may accept: the manufacturer's own user is refused by the chaincode.
    expectProblem(
      await call(M, 'POST', `/v1/assets/${lot}/handover/accept`, { as: 'manufacturer-user1' }),
      403,
      'FORBIDDEN',
    );

    const accepted = committed<Asset>(
      await call(C, 'POST', `/v1/assets/${lot}/handover/accept`, { as: 'carrier-user1' }),
    );
    expect(accepted.result).toMatchObject({
      owner: MSP.M,
      custodian: MSP.C,
      status: 'IN_TRANSIT',
      pendingHandover: null,
    });
    lotTxIds.push(accepted.txId);
  });

  it('hands custody on from the carrier to the retailer', async () => {
    const proposed = committed<Asset>(
      await call(C, 'POST', `/v1/assets/${lot}/handover`, {
        as: 'carrier-user1',
        body: { toOrg: MSP.R },
      }),
    );
    lotTxIds.push(proposed.txId);
    const accepted = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${lot}/handover/accept`, { as: 'retailer-user1', body: {} }),
    );
    expect(accepted.result).toMatchObject({
      owner: MSP.M,
      custodian: MSP.R,
      status: 'DELIVERED',
    });
    lotTxIds.push(accepted.txId);
  });

  it('transfers title to the retailer with private terms each side records through its own API', async () => {
    const proposed = committed<Asset>(
      await call(M, 'POST', `/v1/assets/${lot}/sale`, {
        as: 'manufacturer-user1',
        body: { buyerOrg: MSP.R },
      }),
    );
    const saleId = proposed.result.pendingSale?.saleId;
    expect(proposed.result.pendingSale).toMatchObject({
      saleId: proposed.txId,
      seller: MSP.M,
      buyer: MSP.R,
    });
    lotTxIds.push(proposed.txId);

    const terms = {
      price: '18250.5',
      currency: 'EUR',
      incoterms: 'FCA',
      nonce: randomBytes(16).toString('hex'),
    };
    const seller = committed<TermsReceipt>(
      await call(M, 'POST', `/v1/assets/${lot}/sale/terms`, { as: 'manufacturer-user1', body: terms }),
    );
    const buyer = committed<TermsReceipt>(
      await call(R, 'POST', `/v1/assets/${lot}/sale/terms`, { as: 'retailer-user1', body: terms }),
    );
    expect(seller.result).toMatchObject({ assetId: lot, saleId, org: MSP.M, side: 'seller' });
    expect(buyer.result).toMatchObject({ assetId: lot, saleId, org: MSP.R, side: 'buyer' });
    // Same terms, same public hash: the ledger can compare them without knowing them.
    expect(buyer.result.termsHash).toBe(seller.result.termsHash);

    // Each organisation reads its own private copy; the carrier has none.
    for (const [org, as] of [
      [M, 'manufacturer-user1'],
      [R, 'retailer-user1'],
    ] as const) {
      const own = await call(org, 'GET', `/v1/assets/${lot}/sale/terms`, { as });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ ...terms, assetId: lot, saleId });
    }
    expectProblem(
      await call(C, 'GET', `/v1/assets/${lot}/sale/terms`, { as: 'carrier-user1' }),
      403,
      'FORBIDDEN',
    );
    // The public asset never carries the terms.
    const publicView = await call(C, 'GET', `/v1/assets/${lot}`, { as: 'carrier-user1' });
    expect(JSON.stringify(publicView.body)).not.toContain(terms.nonce);
    expect(JSON.stringify(publicView.body)).not.toContain('18250');

    // Only the buyer accepts; the seller's attempt is refused.
    expectProblem(
      await call(M, 'POST', `/v1/assets/${lot}/sale/accept`, { as: 'manufacturer-user1' }),
      403,
      'FORBIDDEN',
    );
    const accepted = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${lot}/sale/accept`, { as: 'retailer-user1' }),
    );
    expect(accepted.result).toMatchObject({
      owner: MSP.R,
      custodian: MSP.R,
      pendingSale: null,
      status: 'DELIVERED',
    });
    lotTxIds.push(accepted.txId);

    // Accepting purged both private copies.
    expectProblem(
      await call(R, 'GET', `/v1/assets/${lot}/sale/terms`, { as: 'retailer-user1' }),
      404,
      'TERMS_MISSING',
    );
  });

  it('changes status: a retailer hold and release, a regulator hold only a regulator releases', async () => {
    const held = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${lot}/hold`, {
        as: 'retailer-user1',
        body: { reason: 'inspection' },
      }),
    );
    expect(held.result).toMatchObject({
      status: 'ON_HOLD',
      hold: { byOrg: MSP.R, previousStatus: 'DELIVERED' },
    });
    const released = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${lot}/hold/release`, { as: 'retailer-user1' }),
    );
    expect(released.result).toMatchObject({ status: 'DELIVERED', hold: null });

    const regHold = committed<Asset>(
      await call('authority', 'POST', `/v1/assets/${lot}/hold`, {
        as: 'regulator1',
        body: { reason: 'customs check' },
      }),
    );
    expect(regHold.result.hold).toMatchObject({ byRole: 'regulator', byOrg: MSP.A });
    expectProblem(
      await call(R, 'POST', `/v1/assets/${lot}/hold/release`, { as: 'retailer-user1' }),
      403,
      'FORBIDDEN',
    );
    const regRelease = committed<Asset>(
      await call('authority', 'POST', `/v1/assets/${lot}/hold/release`, { as: 'regulator1' }),
    );
    expect(regRelease.result.status).toBe('DELIVERED');
    lotTxIds.push(held.txId, released.txId, regHold.txId, regRelease.txId);
  });

  it('records a document and verifies it from another organisation', async () => {
    const content = Buffer.from(`bill of lading ${run}`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const added = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${lot}/documents`, {
        as: 'retailer-user1',
        body: { name: 'bill-of-lading.pdf', sha256 },
      }),
    );
    expect(added.result.documents).toEqual([expect.objectContaining({ name: 'bill-of-lading.pdf', sha256 })]);
    lotTxIds.push(added.txId);

    const q = (hash: string) => `/v1/assets/${lot}/documents/verify?name=bill-of-lading.pdf&sha256=${hash}`;
    const good = await call(M, 'GET', q(sha256), { as: 'manufacturer-user1', headers: atLeast(added.blockNumber) });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({
      assetId: lot,
      matches: true,
      recordedSha256: sha256,
      addedByOrg: MSP.R,
      txId: added.txId,
    });
    const tampered = createHash('sha256')
      .update(Buffer.concat([content, Buffer.from('!')]))
      .digest('hex');
    const bad = await call(C, 'GET', q(tampered), { as: 'carrier-user1', headers: atLeast(added.blockNumber) });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ matches: false, recordedSha256: sha256 });
    expectProblem(
      await call(C, 'GET', `/v1/assets/${lot}/documents/verify?name=missing.pdf&sha256=${sha256}`, {
        as: 'carrier-user1',
        headers: atLeast(added.blockNumber),
      }),
      404,
      'DOCUMENT_NOT_FOUND',
    );
  });

  it('splits the lot into sub-lots, merges two of them and sells the third', async () => {
    const split = committed<{ parent: Asset; children: Asset[] }>(
      await call(R, 'POST', `/v1/assets/${lot}/split`, {
        as: 'retailer-user1',
        body: {
          parts: [
            { id: parts.a, amount: 40 },
            { id: parts.b, amount: 35.5 },
            { id: parts.c, amount: 24.5 },
          ],
        },
      }),
    );
    expect(split.result.parent).toMatchObject({
      id: lot,
      status: 'CONSUMED',
      children: [parts.a, parts.b, parts.c],
    });
    expect(split.result.children.map((c) => [c.id, c.quantity.amount, c.status, c.parents])).toEqual([
      [parts.a, 40, 'DELIVERED', [lot]],
      [parts.b, 35.5, 'DELIVERED', [lot]],
      [parts.c, 24.5, 'DELIVERED', [lot]],
    ]);
    lotTxIds.push(split.txId);

    const mergeRes = await call(R, 'POST', '/v1/assets/merge', {
      as: 'retailer-user1',
      body: { newAssetId: merged, assetIds: [parts.a, parts.b] },
    });
    const mergedLot = committed<Asset>(mergeRes, 201);
    expect(mergeRes.headers.get('location')).toBe(`/v1/assets/${merged}`);
    expect(mergedLot.result).toMatchObject({
      id: merged,
      quantity: { amount: 75.5, unit: 'case' },
      parents: [parts.a, parts.b],
      owner: MSP.R,
      status: 'DELIVERED',
      manufacturers: [MSP.M],
    });

    const sold = committed<Asset>(
      await call(R, 'POST', `/v1/assets/${parts.c}/sold`, { as: 'retailer-user1' }),
    );
    expect(sold.result.status).toBe('SOLD');
  });

  it('recalls the lot: the manufacturer marks every descendant across the split and merge', async () => {
    // The retailer's user may not recall (a manufacturer of the product or a regulator may).
    expectProblem(
      await call(R, 'POST', `/v1/assets/${lot}/recall`, {
        as: 'retailer-user1',
        body: { reason: 'contamination' },
      }),
      403,
      'FORBIDDEN',
    );
    const recall = committed<{
      recallId: string;
      rootAssetId: string;
      markedAssetIds: string[];
      complete: boolean;
      remaining: number;
    }>(
      await call(M, 'POST', `/v1/assets/${lot}/recall`, {
        as: 'manufacturer-user1',
        body: { reason: 'contamination' },
      }),
    );
    expect(recall.result).toMatchObject({
      recallId: recall.txId,
      rootAssetId: lot,
      complete: true,
      remaining: 0,
    });
    expect([...recall.result.markedAssetIds].sort()).toEqual([lot, parts.a, parts.b, parts.c, merged].sort());
    lotTxIds.push(recall.txId);
    lotBlock = recall.blockNumber;

    const record = await call(C, 'GET', `/v1/recalls/${recall.txId}`, {
      as: 'carrier-user1',
      headers: atLeast(recall.blockNumber),
    });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      recallId: recall.txId,
      rootAssetId: lot,
      initiatorOrg: MSP.M,
      complete: true,
      markedCount: 5,
    });

    // Active lots become RECALLED; consumed and sold ones keep their status with the recall mark.
    const statuses: Record<string, string> = {};
    for (const id of [lot, parts.a, parts.b, parts.c, merged]) {
      const a = await call<Asset>(R, 'GET', `/v1/assets/${id}`, {
        as: 'retailer-user1',
        headers: atLeast(recall.blockNumber),
      });
      expect(a.body.recall).toMatchObject({ recallId: recall.txId, rootAssetId: lot });
      statuses[id] = a.body.status;
    }
    expect(statuses).toEqual({
      [lot]: 'CONSUMED',
      [parts.a]: 'CONSUMED',
      [parts.b]: 'CONSUMED',
      [parts.c]: 'SOLD',
      [merged]: 'RECALLED',
    });
  });

  it('tells the lot’s history, newest first, with the transaction IDs the API answered', async () => {
    const res = await call<History>(C, 'GET', `/v1/assets/${lot}/history`, {
      as: 'carrier-user1',
      headers: atLeast(lotBlock),
    });
    expect(lotBlock).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    expect(res.body.truncated).toBe(false);
    expect(res.body.entries.map((e) => e.txId)).toEqual([...lotTxIds].reverse());
    expect(res.body.entries.at(-1)?.asset).toMatchObject({ status: 'CREATED', custodian: MSP.M });
    expect(res.body.entries[0]?.asset).toMatchObject({ status: 'CONSUMED', owner: MSP.R });
  });

  it('tells the lineage both ways', async () => {
    const down = await call<Lineage>(M, 'GET', `/v1/assets/${lot}/lineage?depth=2`, {
      as: 'manufacturer-user1',
    });
    expect(down.status).toBe(200);
    expect(down.body.ancestors).toEqual([]);
    expect(down.body.descendants.map((n) => [n.id, n.depth]).sort()).toEqual(
      [
        [parts.a, 1],
        [parts.b, 1],
        [parts.c, 1],
        [merged, 2],
      ].sort(),
    );
    const up = await call<Lineage>('authority', 'GET', `/v1/assets/${merged}/lineage`, { as: 'auditor1' });
    expect(up.body.ancestors.map((n) => [n.id, n.depth]).sort()).toEqual(
      [
        [lot, 2],
        [parts.a, 1],
        [parts.b, 1],
      ].sort(),
    );
    expect(up.body.descendants).toEqual([]);
  });

  it('lists with filters and walks the pages with the cursor', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/assets?sku=${sku}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Awaited<ReturnType<typeof call<Page>>> = await call<Page>(C, 'GET', query, {
        as: 'carrier-user1',
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(cursor).toBeNull();
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(ids.sort()).toEqual([lot, parts.a, parts.b, parts.c, merged].sort());

    // Two filters: the index answers one, the gateway filters by the other.
    const recalled = await call<Page>(R, 'GET', `/v1/assets?sku=${sku}&status=RECALLED&limit=100`, {
      as: 'retailer-user1',
    });
    expect(recalled.body.items.map((a) => a.id)).toEqual([merged]);
    const byOwner = await call<Page>(M, 'GET', `/v1/assets?owner=${MSP.R}&sku=${sku}`, {
      as: 'manufacturer-user1',
    });
    expect(byOwner.body.items).toHaveLength(5);

    // A cursor belongs to its query.
    const first = await call<Page>(C, 'GET', `/v1/assets?sku=${sku}&limit=1`, { as: 'carrier-user1' });
    expect(first.body.nextCursor).not.toBeNull();
    const misuse = await call(
      C,
      'GET',
      `/v1/assets?owner=${MSP.R}&limit=1&cursor=${first.body.nextCursor ?? ''}`,
      {
        as: 'carrier-user1',
      },
    );
    expectProblem(misuse, 400, 'VALIDATION_FAILED');
  });
});
