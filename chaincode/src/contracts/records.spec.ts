import { GovernanceStore } from './governance-store';
import { ContractHarness } from '../testing/contract-harness';
import { EVENTS, LIMITS } from '../constants';
import type { Asset } from '../domain/asset';
import type { DocumentVerification } from '../domain/document-verification';
import { ACTORS, MSP, assetInput, rejectionOf, sha } from '../testing/fixtures';

const { manufacturer, carrier, carrierAdmin, retailerAdmin, regulator, auditor } = ACTORS;
const REF = '0123456789abcdef0123456789abcdef';
const UUID = '3f2b8c1e-9d4a-4e6b-8f7a-1c2d3e4f5a6b';

async function inTransit(): Promise<ContractHarness> {
  const h = new ContractHarness();
  await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
  await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
  await h.submit(carrier, 'acceptHandover', ['LOT-1']);
  return h;
}

describe('attributes', () => {
  it('sets and removes attributes and emits the changed keys only', async () => {
    const h = await inTransit();
    const { result, events, requiredEndorsers } = await h.submit<Asset>(carrier, 'updateAttributes', ['LOT-1', JSON.stringify({ set: { temperatureC: '4', grade: 'B' }, remove: ['lot'] })]);
    expect(result.attributes).toEqual({ grade: 'B', temperatureC: '4' });
    expect(events[0]).toMatchObject({ name: EVENTS.ATTRIBUTES_UPDATED, payload: { assetId: 'LOT-1', set: ['grade', 'temperatureC'], removed: ['lot'] } });
    expect(events[0]?.payload).not.toHaveProperty('values');
    expect(requiredEndorsers).toEqual([MSP.CARRIER, MSP.MANUFACTURER]);
  });

  it.each([
    ['empty update', {}, 'INVALID_ARGUMENT: input must set or remove at least one attribute'],
    ['set and remove the same key', { set: { grade: 'B' }, remove: ['grade'] }, "INVALID_ARGUMENT: input both sets and removes 'grade'"],
    ['removing an absent key', { remove: ['colour'] }, "CONFLICT: asset 'LOT-1' has no attribute 'colour' to remove"],
    ['non-string value', { set: { weight: 5 } }, 'INVALID_ARGUMENT: input.set.weight must be a string'],
    ['bad key', { set: { 'Bad Key': 'x' } }, 'INVALID_ARGUMENT: input.set key must match ^[a-z][A-Za-z0-9_.-]{0,63}$'],
    ['personal-looking key', { set: { customerEmail: 'x' } }, 'INVALID_ARGUMENT: input.set.customerEmail looks like personal data; keep it off-chain and record a personalDataRef instead'],
    ['e-mail value', { set: { note: 'call jane.doe@example.com' } }, 'INVALID_ARGUMENT: input.set.note looks like an e-mail address or phone number; personal data must stay off-chain'],
    ['phone value', { set: { note: 'ring +44 20 7946 0958' } }, 'INVALID_ARGUMENT: input.set.note looks like an e-mail address or phone number; personal data must stay off-chain'],
    ['control characters', { set: { note: 'a\u0000b' } }, 'INVALID_ARGUMENT: input.set.note must not contain control characters'],
    ['unknown field', { add: { a: 'b' } }, "INVALID_ARGUMENT: input has unknown field(s) 'add'; allowed: set, remove"],
  ])('rejects %s', async (_name, input, message) => {
    const h = await inTransit();
    expect(await rejectionOf(h.submit(carrier, 'updateAttributes', ['LOT-1', JSON.stringify(input)]))).toMatchObject({ code: message.slice(0, message.indexOf(':')), message });
  });

  it(`caps an asset at ${LIMITS.MAX_ATTRIBUTES} attributes`, async () => {
    const h = await inTransit();
    const set = Object.fromEntries(Array.from({ length: LIMITS.MAX_ATTRIBUTES - 1 }, (_, i) => [`k${i}`, 'v']));
    expect(await rejectionOf(h.submit(carrier, 'updateAttributes', ['LOT-1', JSON.stringify({ set })]))).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: `LIMIT_EXCEEDED: asset 'LOT-1' would have more than ${LIMITS.MAX_ATTRIBUTES} attributes`,
    });
  });
});

describe('documents', () => {
  it('records a commitment and verifies documents against it', async () => {
    const h = await inTransit();
    const { result, events } = await h.submit<Asset>(regulator, 'addDocument', ['LOT-1', 'phyto-certificate.pdf', sha('A')]);
    expect(result.documents).toEqual([{ name: 'phyto-certificate.pdf', sha256: sha('a'), addedByOrg: MSP.AUTHORITY, addedAt: expect.any(String) as string, txId: expect.any(String) as string }]);
    expect(events[0]).toMatchObject({ name: EVENTS.DOCUMENT_ADDED, payload: { assetId: 'LOT-1', name: 'phyto-certificate.pdf', sha256: sha('a') } });
    expect(await h.evaluate<DocumentVerification>(auditor, 'verifyDocument', ['LOT-1', 'phyto-certificate.pdf', sha('a')])).toMatchObject({ matches: true, recordedSha256: sha('a') });
    expect(await h.evaluate<DocumentVerification>(auditor, 'verifyDocument', ['LOT-1', 'phyto-certificate.pdf', sha('b')])).toMatchObject({ matches: false, recordedSha256: sha('a'), addedByOrg: MSP.AUTHORITY });
    expect(await rejectionOf(h.evaluate(auditor, 'verifyDocument', ['LOT-1', 'invoice.pdf', sha('a')]))).toMatchObject({
      code: 'DOCUMENT_NOT_FOUND',
      message: "DOCUMENT_NOT_FOUND: asset 'LOT-1' has no document named 'invoice.pdf'",
    });
    expect(await rejectionOf(h.evaluate(auditor, 'verifyDocument', ['LOT-1', 'x', 'abc']))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: sha256 must match ^[0-9a-f]{64}$',
    });
  });

  it('refuses a duplicate name, and more than the bound', async () => {
    const h = await inTransit();
    await h.submit(carrier, 'addDocument', ['LOT-1', 'cmr.pdf', sha('1')]);
    expect(await rejectionOf(h.submit(carrier, 'addDocument', ['LOT-1', 'cmr.pdf', sha('2')]))).toMatchObject({
      code: 'CONFLICT',
      message: "CONFLICT: asset 'LOT-1' already has a document named 'cmr.pdf'",
    });
    for (let i = 1; i < LIMITS.MAX_DOCUMENTS; i += 1) {
      await h.submit(carrier, 'addDocument', ['LOT-1', `doc-${i}`, sha('3')]);
    }
    expect(await rejectionOf(h.submit(carrier, 'addDocument', ['LOT-1', 'one-more', sha('3')]))).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: `LIMIT_EXCEEDED: asset 'LOT-1' already has ${LIMITS.MAX_DOCUMENTS} documents`,
    });
  });
});

describe('personal-data references', () => {
  const refInput = (ref: string, commitment: string, category = 'name'): string => JSON.stringify({ ref, commitment, category });

  it('adds, rectifies and erases a reference; the controller is the adding organisation', async () => {
    const h = await inTransit();
    const added = await h.submit<Asset>(carrierAdmin, 'upsertPersonalDataRef', ['LOT-1', refInput(UUID.toUpperCase(), sha('C'), 'phone')]);
    expect(added.result.personalDataRefs).toEqual([
      { ref: UUID, commitment: sha('c'), category: 'phone', controllerOrg: MSP.CARRIER, addedAt: added.result.updatedAt, updatedAt: added.result.updatedAt, updatedTxId: added.txId, erasedAt: null },
    ]);
    expect(added.events[0]).toEqual({
      name: EVENTS.PERSONAL_DATA_REF_UPDATED,
      payload: expect.objectContaining({ assetId: 'LOT-1', ref: UUID, category: 'phone', controllerOrg: MSP.CARRIER, change: 'added' }) as unknown,
    });
    expect(JSON.stringify(added.events)).not.toContain(sha('c'));

    const rectified = await h.submit<Asset>(carrier, 'upsertPersonalDataRef', ['LOT-1', refInput(UUID, sha('d'), 'phone')]);
    expect(rectified.result.personalDataRefs[0]).toMatchObject({ commitment: sha('d'), addedAt: added.result.updatedAt, updatedTxId: rectified.txId });
    expect(rectified.events[0]?.payload).toMatchObject({ change: 'rectified' });

    expect(await rejectionOf(h.submit(manufacturer, 'upsertPersonalDataRef', ['LOT-1', refInput(UUID, sha('e'))]))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.MANUFACTURER} is not the controller of personal-data reference '${UUID}' (controller ${MSP.CARRIER})`,
    });

    const erased = await h.submit<Asset>(carrierAdmin, 'erasePersonalDataRef', ['LOT-1', UUID]);
    expect(erased.result.personalDataRefs[0]).toMatchObject({ ref: UUID, commitment: null, erasedAt: erased.result.updatedAt });
    expect(erased.events[0]).toMatchObject({ name: EVENTS.PERSONAL_DATA_REF_ERASED, payload: { assetId: 'LOT-1', ref: UUID, controllerOrg: MSP.CARRIER } });

    expect(await rejectionOf(h.submit(carrierAdmin, 'erasePersonalDataRef', ['LOT-1', UUID]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: personal-data reference '${UUID}' is already erased`,
    });
    expect(await rejectionOf(h.submit(carrier, 'upsertPersonalDataRef', ['LOT-1', refInput(UUID, sha('f'))]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: personal-data reference '${UUID}' was erased and cannot be rectified`,
    });
  });

  it('only the controller erases, in any status, even after the asset left its hands', async () => {
    const h = await inTransit();
    await h.submit(carrier, 'upsertPersonalDataRef', ['LOT-1', refInput(REF, sha('1'))]);
    await h.submit(carrier, 'proposeHandover', ['LOT-1', MSP.RETAILER]);
    await h.submit(ACTORS.retailer, 'acceptHandover', ['LOT-1']);
    expect(await rejectionOf(h.submit(retailerAdmin, 'erasePersonalDataRef', ['LOT-1', REF]))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.RETAILER} is not the controller of the personal-data reference of asset 'LOT-1' (controller ${MSP.CARRIER})`,
    });
    const erased = await h.submit<Asset>(carrierAdmin, 'erasePersonalDataRef', ['LOT-1', REF]);
    expect(erased.requiredEndorsers).toEqual([MSP.MANUFACTURER, MSP.RETAILER]);
  });

  it.each([
    ['a short ref', refInput('abc', sha('1')), `INVALID_ARGUMENT: input.ref must match ^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`],
    ['a short commitment', refInput(REF, 'abcd'), 'INVALID_ARGUMENT: input.commitment must match ^[0-9a-f]{64}$'],
    ['an unknown category', refInput(REF, sha('1'), 'consignee'), 'INVALID_ARGUMENT: input.category must be one of name, postal-address, phone, email, national-id, notes'],
    ['a personal value instead of a ref', JSON.stringify({ ref: REF, commitment: sha('1'), category: 'email', email: 'a@b.co' }), "INVALID_ARGUMENT: input has unknown field(s) 'email'; allowed: ref, commitment, category"],
  ])('rejects %s', async (_name, input, message) => {
    const h = await inTransit();
    expect(await rejectionOf(h.submit(carrier, 'upsertPersonalDataRef', ['LOT-1', input]))).toMatchObject({ code: 'INVALID_ARGUMENT', message });
  });

  it('reports unknown references and caps references per asset', async () => {
    const h = await inTransit();
    expect(await rejectionOf(h.submit(carrier, 'erasePersonalDataRef', ['LOT-1', REF]))).toMatchObject({
      code: 'PERSONAL_DATA_REF_NOT_FOUND',
      message: `PERSONAL_DATA_REF_NOT_FOUND: asset 'LOT-1' has no personal-data reference '${REF}'`,
    });
    for (let i = 0; i < LIMITS.MAX_PERSONAL_DATA_REFS; i += 1) {
      await h.submit(carrier, 'upsertPersonalDataRef', ['LOT-1', refInput(i.toString(16).padStart(32, '0'), sha('1'))]);
    }
    expect(await rejectionOf(h.submit(carrier, 'upsertPersonalDataRef', ['LOT-1', refInput(REF, sha('1'))]))).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: `LIMIT_EXCEEDED: asset 'LOT-1' already has ${LIMITS.MAX_PERSONAL_DATA_REFS} personal-data references`,
    });
  });
});

describe('hold', () => {
  it('returns to the status before the hold; a regulator’s hold needs a regulator of the same organisation', async () => {
    const h = await inTransit();
    const held = await h.submit<Asset>(regulator, 'putOnHold', ['LOT-1', 'customs inspection']);
    expect(held.result).toMatchObject({ status: 'ON_HOLD', hold: { reason: 'customs inspection', byOrg: MSP.AUTHORITY, byRole: 'regulator', previousStatus: 'IN_TRANSIT' } });
    expect(held.events[0]).toMatchObject({ name: EVENTS.STATUS_CHANGED, payload: { action: 'putOnHold', previousStatus: 'IN_TRANSIT', status: 'ON_HOLD', reason: 'customs inspection' } });
    expect(await rejectionOf(h.submit(carrier, 'releaseHold', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: asset 'LOT-1' is held by a regulator of ${MSP.AUTHORITY}; only a regulator of ${MSP.AUTHORITY} may release it`,
    });
    // A second oversight organisation's regulator cannot lift the first one's hold either.
    const stub = h.ledger.newTransaction({ peerMspId: null });
    const governance = new GovernanceStore(stub);
    const current = await governance.get();
    await governance.put({ ...current, oversight: [MSP.AUTHORITY, 'Authority2MSP'], members: [...current.members, 'Authority2MSP'].sort() });
    h.ledger.commit(stub);
    expect(await rejectionOf(h.submit({ mspId: 'Authority2MSP', role: 'regulator' }, 'releaseHold', ['LOT-1']))).toMatchObject({ code: 'FORBIDDEN' });

    const released = await h.submit<Asset>(ACTORS.regulator, 'releaseHold', ['LOT-1']);
    expect(released.result).toMatchObject({ status: 'IN_TRANSIT', hold: null });
  });
});
