import { ContractHarness } from '../testing/contract-harness';
import { EVENTS, TRANSIENT_TERMS_KEY } from '../constants';
import type { Asset } from '../domain/asset';
import type { SaleTerms, TermsReceipt } from '../domain/sale-terms';
import { ACTORS, MSP, assetInput, rejectionOf, termsTransient } from '../testing/fixtures';
import { createCompositeKey } from '../testing/in-memory-stub';
import { implicitCollection, sha256Hex } from './terms-store';

const { manufacturer, carrier, retailer } = ACTORS;

/** LOT-1 created by the manufacturer, handed to the retailer, and offered to it for sale. */
async function saleProposed(): Promise<{ h: ContractHarness; saleId: string }> {
  const h = new ContractHarness();
  await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
  await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.RETAILER]);
  await h.submit(retailer, 'acceptHandover', ['LOT-1']);
  const { result } = await h.submit<Asset>(manufacturer, 'proposeSale', ['LOT-1', MSP.RETAILER]);
  return { h, saleId: result.pendingSale?.saleId ?? '' };
}

describe('title transfer with private terms', () => {
  it('proposeSale records seller, buyer and sale id, never terms', async () => {
    const { h, saleId } = await saleProposed();
    const asset = await h.evaluate<Asset>(carrier, 'getAsset', ['LOT-1']);
    expect(asset.pendingSale).toEqual({ saleId, seller: MSP.MANUFACTURER, buyer: MSP.RETAILER, proposedAt: expect.any(String) as string });
    expect(h.ledger.events[h.ledger.events.length - 1]).toMatchObject({ name: EVENTS.SALE_PROPOSED, payload: { saleId, seller: MSP.MANUFACTURER, buyer: MSP.RETAILER } });
  });

  it('refuses a second sale, a sale to the owner, and a malformed buyer', async () => {
    const { h } = await saleProposed();
    expect(await rejectionOf(h.submit(manufacturer, 'proposeSale', ['LOT-1', MSP.CARRIER]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: asset 'LOT-1' already has a sale pending to ${MSP.RETAILER}`,
    });
    const fresh = new ContractHarness();
    await fresh.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-2'))]);
    expect(await rejectionOf(fresh.submit(manufacturer, 'proposeSale', ['LOT-2', MSP.MANUFACTURER]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: buyerOrg ${MSP.MANUFACTURER} already owns asset 'LOT-2'`,
    });
    expect(await rejectionOf(fresh.submit(manufacturer, 'proposeSale', ['LOT-2', '']))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('each side stores canonical terms in its own implicit collection, endorsed by its own peer only', async () => {
    const { h, saleId } = await saleProposed();
    const seller = await h.submit<TermsReceipt>(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(seller.requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    expect(seller.stub.writes.size).toBe(0);
    const key = createCompositeKey('terms', ['LOT-1', saleId]);
    const stored = h.ledger.privateValue(implicitCollection(MSP.MANUFACTURER), key);
    const expected: SaleTerms = {
      assetId: 'LOT-1',
      buyer: MSP.RETAILER,
      currency: 'EUR',
      incoterms: 'DAP',
      nonce: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      price: '1250.5',
      saleId,
      seller: MSP.MANUFACTURER,
    };
    expect(stored?.toString('utf8')).toBe(JSON.stringify(expected));
    expect(seller.result).toEqual({ assetId: 'LOT-1', saleId, org: MSP.MANUFACTURER, side: 'seller', termsHash: sha256Hex(stored ?? Buffer.alloc(0)) });
    expect(seller.events[0]).toMatchObject({ name: EVENTS.TERMS_AGREED, payload: { org: MSP.MANUFACTURER, side: 'seller', saleId } });
    expect(JSON.stringify(seller.events)).not.toMatch(/1250|EUR|DAP|0f1e2d3c/);
    expect(JSON.stringify(h.logs)).not.toMatch(/1250|EUR|0f1e2d3c/);
  });

  it('getTerms returns the caller’s own terms on its own peer; the third organisation is refused', async () => {
    const { h } = await saleProposed();
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(await h.evaluate<SaleTerms>(retailer, 'getTerms', ['LOT-1'])).toMatchObject({ price: '1250.5', currency: 'EUR', buyer: MSP.RETAILER });
    expect(await rejectionOf(h.evaluate(carrier, 'getTerms', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.CARRIER} is not the buyer or the seller of the pending sale of asset 'LOT-1'`,
    });
    expect(await rejectionOf(h.evaluate({ ...retailer, peerMspId: MSP.CARRIER }, 'getTerms', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: getTerms reads or writes ${MSP.RETAILER}'s private terms and must run on a ${MSP.RETAILER} peer, not a ${MSP.CARRIER} peer`,
    });
    expect(await rejectionOf(h.evaluate(manufacturer, 'getTerms', ['LOT-1']))).toMatchObject({
      code: 'TERMS_MISSING',
      message: `TERMS_MISSING: organisation ${MSP.MANUFACTURER} has not agreed terms for sale '${(await h.evaluate<Asset>(retailer, 'getAsset', ['LOT-1'])).pendingSale?.saleId ?? ''}' on asset 'LOT-1'`,
    });
  });

  it('agreeSaleTerms refuses to run on another organisation’s peer', async () => {
    const { h } = await saleProposed();
    expect(
      await rejectionOf(h.submit({ ...manufacturer, peerMspId: MSP.RETAILER }, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() })),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('with the peer organisation unknown (a chaincode process shared by several organisations) refuses private terms', async () => {
    const { h } = await saleProposed();
    const shared = { ...manufacturer, sharedChaincodeServer: true };
    for (const [fn, options] of [['agreeSaleTerms', { transient: termsTransient() }], ['getTerms', {}]] as const) {
      const call = fn === 'getTerms' ? h.evaluate(shared, fn, ['LOT-1']) : h.submit(shared, fn, ['LOT-1'], options);
      expect(await rejectionOf(call)).toMatchObject({
        code: 'FORBIDDEN',
        message: `FORBIDDEN: ${fn} reads or writes ${MSP.MANUFACTURER}'s private terms, but this chaincode process does not know its peer's organisation (CORE_PEER_LOCALMSPID unset): run one chaincode server per organisation`,
      });
    }
    expect(h.ledger.events.map((e) => e.name)).not.toContain(EVENTS.TERMS_AGREED);
  });

  it.each([
    ['missing', {}, `INVALID_ARGUMENT: transient map must carry '${TRANSIENT_TERMS_KEY}' (JSON SaleTermsInput)`],
    ['not JSON', { [TRANSIENT_TERMS_KEY]: 'price=1' }, `INVALID_ARGUMENT: transient '${TRANSIENT_TERMS_KEY}' is not valid JSON`],
    ['unknown field', termsTransient({ discount: '5' }), "INVALID_ARGUMENT: terms has unknown field(s) 'discount'; allowed: price, currency, incoterms, nonce"],
    ['numeric price', termsTransient({ price: 12.5 }), 'INVALID_ARGUMENT: terms.price must be a decimal string matching ^(?:0|[1-9][0-9]{0,14})(?:\\.[0-9]{1,6})?$'],
    ['bad currency', termsTransient({ currency: 'eur' }), 'INVALID_ARGUMENT: terms.currency must be an ISO 4217 code (3 capital letters)'],
    ['bad incoterms', termsTransient({ incoterms: 'FOO' }), 'INVALID_ARGUMENT: terms.incoterms must be one of EXW, FCA, CPT, CIP, DAP, DPU, DDP, FAS, FOB, CFR, CIF'],
    ['short nonce', termsTransient({ nonce: 'abc' }), 'INVALID_ARGUMENT: terms.nonce must be 32..128 lowercase hex characters (random, shared by both parties)'],
  ])('rejects terms: %s', async (_name, transient, message) => {
    const { h } = await saleProposed();
    expect(await rejectionOf(h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient }))).toMatchObject({ code: 'INVALID_ARGUMENT', message });
  });

  it('acceptSale needs both sides’ terms', async () => {
    const { h, saleId } = await saleProposed();
    expect(await rejectionOf(h.submit(retailer, 'acceptSale', ['LOT-1']))).toMatchObject({
      code: 'TERMS_MISSING',
      message: `TERMS_MISSING: seller ${MSP.MANUFACTURER} and buyer ${MSP.RETAILER} of sale '${saleId}' on asset 'LOT-1' have not agreed terms`,
    });
    await h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(await rejectionOf(h.submit(retailer, 'acceptSale', ['LOT-1']))).toMatchObject({
      code: 'TERMS_MISSING',
      message: `TERMS_MISSING: buyer ${MSP.RETAILER} of sale '${saleId}' on asset 'LOT-1' have not agreed terms`,
    });
  });

  it('acceptSale refuses different terms (hash comparison) and keeps title', async () => {
    const { h, saleId } = await saleProposed();
    await h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient({ price: '1200' }) });
    expect(await rejectionOf(h.submit(retailer, 'acceptSale', ['LOT-1']))).toMatchObject({
      code: 'TERMS_MISMATCH',
      message: `TERMS_MISMATCH: terms of seller ${MSP.MANUFACTURER} and buyer ${MSP.RETAILER} differ for sale '${saleId}' on asset 'LOT-1'`,
    });
    expect((await h.evaluate<Asset>(retailer, 'getAsset', ['LOT-1'])).owner).toBe(MSP.MANUFACTURER);
    // a party may correct its side before acceptance
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient({ price: '1250.500000' }) });
    const { result } = await h.submit<Asset>(retailer, 'acceptSale', ['LOT-1']);
    expect(result.owner).toBe(MSP.RETAILER);
  });

  it('acceptSale transfers title, moves the endorsement policy, purges both sides and emits TitleTransferred', async () => {
    const { h, saleId } = await saleProposed();
    const sellerReceipt = await h.submit<TermsReceipt>(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    const accepted = await h.submit<Asset>(retailer, 'acceptSale', ['LOT-1'], { endorsers: [MSP.MANUFACTURER, MSP.RETAILER] });
    expect(accepted.result).toMatchObject({ owner: MSP.RETAILER, custodian: MSP.RETAILER, pendingSale: null });
    expect(accepted.requiredEndorsers).toEqual([MSP.MANUFACTURER, MSP.RETAILER]);
    expect(accepted.events[0]).toMatchObject({
      name: EVENTS.TITLE_TRANSFERRED,
      payload: { assetId: 'LOT-1', saleId, from: MSP.MANUFACTURER, to: MSP.RETAILER, owner: MSP.RETAILER, termsHash: sellerReceipt.result.termsHash },
    });
    const key = createCompositeKey('terms', ['LOT-1', saleId]);
    expect(h.ledger.purges).toEqual([`${implicitCollection(MSP.MANUFACTURER)}/${key}`, `${implicitCollection(MSP.RETAILER)}/${key}`]);
    expect(h.ledger.privateValue(implicitCollection(MSP.MANUFACTURER), key)).toBeUndefined();
    expect(h.ledger.privateValue(implicitCollection(MSP.RETAILER), key)).toBeUndefined();
    expect(h.ledger.policyOrgs(createCompositeKey('asset', ['LOT-1']))).toEqual([MSP.RETAILER]);
    expect(await rejectionOf(h.evaluate(retailer, 'getTerms', ['LOT-1']))).toMatchObject({
      code: 'TERMS_MISSING',
      message: "TERMS_MISSING: asset 'LOT-1' has no pending sale",
    });
  });

  it('rejectSale clears the sale and purges the terms stored so far (the buyer withdraws)', async () => {
    const { h, saleId } = await saleProposed();
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    const { result, events, requiredEndorsers } = await h.submit<Asset>(retailer, 'rejectSale', ['LOT-1']);
    expect(result.pendingSale).toBeNull();
    expect(events[0]).toMatchObject({ name: EVENTS.SALE_REJECTED, payload: { saleId, termsPurged: { buyer: true, seller: false } } });
    expect(requiredEndorsers).toEqual([MSP.MANUFACTURER, MSP.RETAILER]);
    expect(h.ledger.purges).toEqual([`${implicitCollection(MSP.RETAILER)}/${createCompositeKey('terms', ['LOT-1', saleId])}`]);
  });

  it('cancelSale needs no endorsement of the buyer; the buyer purges its own terms afterwards with purgeTerms', async () => {
    // The manufacturer owns and holds LOT-1 and offers it to the retailer.
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    const saleId = (await h.submit<Asset>(manufacturer, 'proposeSale', ['LOT-1', MSP.RETAILER])).result.pendingSale?.saleId ?? '';
    await h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    const key = createCompositeKey('terms', ['LOT-1', saleId]);
    // The seller alone (owner and custodian): the buyer's peer is not asked.
    const { result, events, requiredEndorsers } = await h.submit<Asset>(manufacturer, 'cancelSale', ['LOT-1'], { endorsers: [MSP.MANUFACTURER] });
    expect(result.pendingSale).toBeNull();
    expect(events[0]).toMatchObject({ name: EVENTS.SALE_CANCELLED, payload: { saleId, termsPurged: { buyer: false, seller: true } } });
    expect(requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    expect(h.ledger.purges).toEqual([`${implicitCollection(MSP.MANUFACTURER)}/${key}`]);

    const purged = await h.submit(retailer, 'purgeTerms', ['LOT-1', saleId], { endorsers: [MSP.RETAILER] });
    expect(purged).toMatchObject({ result: { assetId: 'LOT-1', saleId, org: MSP.RETAILER }, requiredEndorsers: [MSP.RETAILER] });
    expect(purged.events[0]).toMatchObject({ name: EVENTS.TERMS_PURGED, payload: { assetId: 'LOT-1', saleId, org: MSP.RETAILER, actorOrg: MSP.RETAILER } });
    expect(h.ledger.privateValue(implicitCollection(MSP.RETAILER), key)).toBeUndefined();
    expect(await rejectionOf(h.submit(retailer, 'purgeTerms', ['LOT-1', saleId]))).toMatchObject({ code: 'TERMS_MISSING' });
  });

  it('purgeTerms refuses a sale still pending, and runs only on the caller’s own peer', async () => {
    const { h, saleId } = await saleProposed();
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(await rejectionOf(h.submit(retailer, 'purgeTerms', ['LOT-1', saleId]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: sale '${saleId}' of asset 'LOT-1' is still pending; reject or cancel it instead`,
    });
    await h.submit(manufacturer, 'cancelSale', ['LOT-1']);
    expect(await rejectionOf(h.submit({ ...retailer, peerMspId: MSP.MANUFACTURER }, 'purgeTerms', ['LOT-1', saleId]))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejectionOf(h.submit(retailer, 'purgeTerms', ['LOT-1', 'not-a-sale']))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a sale to an organisation that is not a trading member of the channel', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    for (const buyer of ['GhostMSP', MSP.AUTHORITY]) {
      expect(await rejectionOf(h.submit(manufacturer, 'proposeSale', ['LOT-1', buyer]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `INVALID_ARGUMENT: buyerOrg ${buyer} is not a trading member organisation of the channel (members: ${MSP.CARRIER}, ${MSP.MANUFACTURER}, ${MSP.RETAILER})`,
      });
    }
    expect(h.ledger.events.map((e) => e.name)).toEqual([EVENTS.ASSET_CREATED]);
  });

  it('terms agreed for a withdrawn sale cannot be reused for the next one', async () => {
    const { h } = await saleProposed();
    await h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    await h.submit(manufacturer, 'cancelSale', ['LOT-1']);
    await h.submit(manufacturer, 'proposeSale', ['LOT-1', MSP.RETAILER]);
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(await rejectionOf(h.submit(retailer, 'acceptSale', ['LOT-1']))).toMatchObject({ code: 'TERMS_MISSING' });
  });
});
