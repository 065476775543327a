import { anAsset } from '../testing';
import { inboxItemsOf } from './inbox-items';

const proposedAt = '2026-01-01T00:00:00.000Z';

describe('inboxItemsOf', () => {
  const toCarrier = anAsset({
    id: 'A',
    pendingHandover: { from: 'ManufacturerMSP', to: 'CarrierMSP', proposedAt, txId: 't' },
  });
  const saleToRetailer = anAsset({
    id: 'B',
    pendingSale: { saleId: 's', seller: 'ManufacturerMSP', buyer: 'RetailerMSP', proposedAt },
  });
  const held = anAsset({
    id: 'C',
    custodian: 'CarrierMSP',
    hold: {
      reason: 'inspection',
      byOrg: 'RetailerMSP',
      byRole: 'retailer',
      previousStatus: 'IN_TRANSIT',
      at: proposedAt,
      txId: 'h',
    },
  });
  const all = [toCarrier, saleToRetailer, held, anAsset({ id: 'D' })];
  const summary = (msp: string) => inboxItemsOf(all, msp).map((i) => [i.asset.id, i.what, i.actions]);

  it('offers the recipient accept and reject, the proposer cancel; holds reach custodian and owner', () => {
    expect(summary('CarrierMSP')).toEqual([
      ['A', 'Handover proposed by Manufacturer', ['handover/accept', 'handover/reject']],
      ['C', 'On hold: inspection', []],
    ]);
    expect(summary('ManufacturerMSP')).toEqual([
      ['A', 'Handover to Carrier awaiting acceptance', ['handover/cancel']],
      ['B', 'Sale to Retailer awaiting acceptance', ['sale/cancel']],
      // C is the manufacturer's by title while the carrier holds it.
      ['C', 'On hold: inspection', []],
    ]);
    expect(summary('RetailerMSP')).toEqual([
      ['B', 'Sale offered by Manufacturer', ['sale/accept', 'sale/reject']],
    ]);
  });
});
