import { ContractHarness } from '../testing/contract-harness';
import { MSP, rejectionOf } from '../testing/fixtures';
import { buildAsset } from '../testing/seed';
import { AssetStore, decodeAsset } from './asset-store';
import { EventSink } from './event-sink';
import { recallKey } from './ledger-keys';
import { RecallStore } from './recall-store';
import { TermsStore, implicitCollection } from './terms-store';

describe('stores refuse what the chaincode did not write', () => {
  it('decodes only asset records', () => {
    expect(() => decodeAsset(Buffer.from('{'), "asset 'x'")).toThrow("INTERNAL: asset 'x' is not valid JSON");
    expect(() => decodeAsset(Buffer.from('{"docType":"other"}'), "asset 'x'")).toThrow("INTERNAL: asset 'x' is not a waybill asset record");
    expect(() => decodeAsset(Buffer.from('null'), "asset 'x'")).toThrow('INTERNAL');
  });

  it('never writes an asset that breaks an invariant', async () => {
    const store = new AssetStore(new ContractHarness().ledger.newTransaction({ peerMspId: null }));
    const bad = (overrides: Parameters<typeof buildAsset>[1]): Promise<void> => store.create(buildAsset('A', overrides));
    expect(await rejectionOf(bad({ status: 'LOST' as never }))).toMatchObject({ code: 'INTERNAL', message: "INTERNAL: refusing to write asset 'A': unknown status LOST" });
    expect(await rejectionOf(bad({ owner: 'not an msp' }))).toMatchObject({ message: "INTERNAL: refusing to write asset 'A': malformed owner or custodian" });
    expect(await rejectionOf(bad({ status: 'ON_HOLD' }))).toMatchObject({ message: "INTERNAL: refusing to write asset 'A': hold must be set exactly when ON_HOLD" });
    expect(await rejectionOf(bad({ quantity: { amount: 0, unit: 'kg' } }))).toMatchObject({ message: "INTERNAL: refusing to write asset 'A': non-positive quantity" });
  });

  it('reports a corrupt recall record', async () => {
    const h = new ContractHarness();
    const stub = h.ledger.newTransaction({ peerMspId: null });
    await stub.putState(recallKey(stub, 'R1'), Buffer.from('{"docType":"waybill.asset"}'));
    await stub.putState(recallKey(stub, 'R2'), Buffer.from('not json'));
    h.ledger.commit(stub);
    const store = new RecallStore(h.ledger.newTransaction({ peerMspId: null }));
    expect(await rejectionOf(store.get('R1'))).toMatchObject({ code: 'INTERNAL', message: "INTERNAL: recall 'R1' is not a recall record" });
    expect(await rejectionOf(store.get('R2'))).toMatchObject({ code: 'INTERNAL' });
  });

  it('reports corrupt stored terms', async () => {
    const h = new ContractHarness();
    const stub = h.ledger.newTransaction({ peerMspId: MSP.RETAILER });
    await stub.putPrivateData(implicitCollection(MSP.RETAILER), stub.createCompositeKey('terms', ['A', 'S']), Buffer.from('{'));
    h.ledger.commit(stub);
    const store = new TermsStore(h.ledger.newTransaction({ peerMspId: MSP.RETAILER }));
    expect(await rejectionOf(store.read(MSP.RETAILER, 'A', 'S'))).toMatchObject({ code: 'INTERNAL', message: "INTERNAL: stored terms of sale 'S' are not valid JSON" });
    expect(await store.purgeIfPresent(MSP.RETAILER, 'A', 'none')).toBe(false);
  });

  it('emits one event per transaction at most', () => {
    const stub = new ContractHarness().ledger.newTransaction({ peerMspId: null });
    const sink = new EventSink(stub);
    const envelope = { txId: 't', timestamp: 'now', actorOrg: MSP.CARRIER, actorRole: 'carrier' };
    sink.emit('AssetCreated', envelope, { assetId: 'A' });
    expect(sink.emitted).toBe('AssetCreated');
    expect(() => sink.emit('StatusChanged', envelope, {})).toThrow('INTERNAL: event StatusChanged after AssetCreated: one event per transaction');
    expect(stub.events).toHaveLength(1);
  });
});
