import { anAsset, version } from '../testing';
import { changesOf, holdingsOf } from './history';

const handover = {
  from: 'ManufacturerMSP',
  to: 'CarrierMSP',
  proposedAt: '2026-01-01T00:01:00.000Z',
  txId: 'a'.repeat(64),
};

describe('changesOf', () => {
  it('describes the first version as the creation', () => {
    expect(changesOf(version(1, anAsset()), undefined)).toEqual(['created by Manufacturer (10 case)']);
  });

  it('names every change between two versions', () => {
    const before = anAsset();
    const after = anAsset({
      status: 'IN_TRANSIT',
      custodian: 'CarrierMSP',
      children: ['LOT-1a'],
      attributes: { temp: '4C' },
      documents: [
        { name: 'bol.pdf', sha256: 'b'.repeat(64), addedByOrg: 'CarrierMSP', addedAt: '', txId: '' },
      ],
    });
    expect(changesOf(version(2, after), version(1, before))).toEqual([
      'status CREATED → IN_TRANSIT',
      'custody Manufacturer → Carrier',
      'split into LOT-1a',
      'document bol.pdf added by Carrier',
      'attributes changed: temp',
    ]);
  });

  it('tells a withdrawn handover from an accepted one', () => {
    const proposed = version(2, anAsset({ pendingHandover: handover }));
    expect(changesOf(proposed, version(1, anAsset()))).toEqual(['handover proposed to Carrier']);
    expect(changesOf(version(3, anAsset()), proposed)).toEqual(['handover withdrawn or rejected']);
    expect(changesOf(version(3, anAsset({ custodian: 'CarrierMSP' })), proposed)).toEqual([
      'custody Manufacturer → Carrier',
    ]);
  });

  it('reports a deletion', () => {
    expect(changesOf(version(2, null), version(1, anAsset()))).toEqual(['deleted']);
  });
});

describe('holdingsOf', () => {
  it('builds the custody chain oldest first from a newest-first history', () => {
    const entries = [
      version(4, anAsset({ custodian: 'RetailerMSP' })),
      version(3, anAsset({ custodian: 'CarrierMSP', attributes: { a: '1' } })),
      version(2, anAsset({ custodian: 'CarrierMSP' })),
      version(1, anAsset()),
    ];
    expect(holdingsOf(entries, 'custodian').map((h) => [h.org, h.txId.slice(-1), h.until !== null])).toEqual([
      ['ManufacturerMSP', '1', true],
      ['CarrierMSP', '2', true],
      ['RetailerMSP', '4', false],
    ]);
    expect(holdingsOf(entries, 'owner')).toHaveLength(1);
  });
});
