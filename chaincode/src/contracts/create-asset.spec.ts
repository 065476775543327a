import { ContractHarness } from '../testing/contract-harness';
import { EVENTS, LIMITS } from '../constants';
import type { Asset } from '../domain/asset';
import { MAX_JSON_INPUT_LENGTH } from '../domain/validation';
import { ACTORS, MSP, assetInput, rejectionOf, sha } from '../testing/fixtures';

const { manufacturer, manufacturerAtRetailer } = ACTORS;

describe('createAsset', () => {
  it('creates a complete record owned and held by the caller’s organisation', async () => {
    const h = new ContractHarness();
    const input = assetInput('LOT-1', {
      documents: [{ name: 'coa.pdf', sha256: sha('F') }],
      personalDataRefs: [{ ref: 'ABCDEF0123456789ABCDEF0123456789', commitment: sha('1'), category: 'postal-address' }],
    });
    const { result, events, txId } = await h.submit<Asset>(manufacturerAtRetailer, 'createAsset', [JSON.stringify(input)]);
    expect(result).toEqual({
      docType: 'waybill.asset',
      schemaVersion: 1,
      id: 'LOT-1',
      product: { sku: 'SKU-COFFEE-1KG', description: 'Roasted coffee beans, 1 kg bags' },
      quantity: { amount: 100, unit: 'kg' },
      origin: { site: 'Plant 7', country: 'CO' },
      attributes: { grade: 'A', lot: 'L-2025-001' },
      documents: [{ name: 'coa.pdf', sha256: sha('f'), addedByOrg: MSP.RETAILER, addedAt: result.createdAt, txId }],
      personalDataRefs: [
        { ref: 'abcdef0123456789abcdef0123456789', commitment: sha('1'), category: 'postal-address', controllerOrg: MSP.RETAILER, addedAt: result.createdAt, updatedAt: result.createdAt, updatedTxId: txId, erasedAt: null },
      ],
      owner: MSP.RETAILER,
      custodian: MSP.RETAILER,
      manufacturers: [MSP.RETAILER],
      status: 'CREATED',
      hold: null,
      recall: null,
      parents: [],
      children: [],
      pendingHandover: null,
      pendingSale: null,
      createdAt: '2025-01-15T09:00:01.000Z',
      createdTxId: txId,
      updatedAt: '2025-01-15T09:00:01.000Z',
      updatedTxId: txId,
    });
    expect(events).toEqual([
      {
        name: EVENTS.ASSET_CREATED,
        payload: {
          actorOrg: MSP.RETAILER,
          actorRole: 'manufacturer',
          assetId: 'LOT-1',
          custodian: MSP.RETAILER,
          event: EVENTS.ASSET_CREATED,
          origin: { country: 'CO', site: 'Plant 7' },
          owner: MSP.RETAILER,
          quantity: { amount: 100, unit: 'kg' },
          sku: 'SKU-COFFEE-1KG',
          status: 'CREATED',
          timestamp: '2025-01-15T09:00:01.000Z',
          txId,
        },
      },
    ]);
  });

  it('writes sorted-key JSON', async () => {
    const h = new ContractHarness();
    const { stub } = await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1', { attributes: { zeta: '1', alpha: '2' } }))]);
    const bytes = stub.writes.get(stub.createCompositeKey('asset', ['LOT-1']));
    const text = bytes?.toString('utf8') ?? '';
    const reordered = JSON.stringify(JSON.parse(text), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
    );
    expect(text).toBe(reordered);
    expect(stub.events[0]?.payload.toString('utf8')).toMatch(/^\{"actorOrg":/);
  });

  it('counts text lengths in characters (code points), as the gateway’s OpenAPI document does', async () => {
    const h = new ContractHarness();
    // 256 characters, 512 UTF-16 code units.
    const wide = '\u{1F345}'.repeat(256);
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1', { product: { sku: 'S', description: wide } }))]);
    expect(await rejectionOf(h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-2', { product: { sku: 'S', description: `${wide}x` } }))]))).toMatchObject({
      message: 'INVALID_ARGUMENT: input.product.description must be at most 256 characters',
    });
  });

  it('refuses an existing id', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    expect(await rejectionOf(h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]))).toMatchObject({
      code: 'ASSET_EXISTS',
      message: "ASSET_EXISTS: asset 'LOT-1' already exists",
    });
  });

  it.each(['carrier', 'retailer', 'regulator', 'auditor', 'admin'])('is refused to role %s', async (role) => {
    const h = new ContractHarness();
    const mspId = role === 'regulator' || role === 'auditor' ? MSP.AUTHORITY : MSP.MANUFACTURER;
    expect(await rejectionOf(h.submit({ mspId, role }, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: role '${role}' may not createAsset; requires role manufacturer`,
    });
  });

  const without = (field: string): Record<string, unknown> => {
    const input = assetInput('LOT-1');
    delete input[field];
    return input;
  };

  it.each([
    ['not JSON', '{id:', 'INVALID_ARGUMENT: input is not valid JSON'],
    ['an array', '[]', 'INVALID_ARGUMENT: input must be an object'],
    ['too long', JSON.stringify({ id: 'x'.repeat(MAX_JSON_INPUT_LENGTH) }), `INVALID_ARGUMENT: input exceeds ${MAX_JSON_INPUT_LENGTH} characters`],
    ['an unknown field', { ...assetInput('LOT-1'), owner: MSP.CARRIER }, "INVALID_ARGUMENT: input has unknown field(s) 'owner'; allowed: id, product, quantity, origin, attributes, documents, personalDataRefs"],
    ['no id', without('id'), 'INVALID_ARGUMENT: input.id must be a string'],
    ['a bad id', assetInput('-LOT'), 'INVALID_ARGUMENT: input.id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'],
    ['a 65-character id', assetInput('L'.repeat(65)), 'INVALID_ARGUMENT: input.id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'],
    ['no product', without('product'), 'INVALID_ARGUMENT: input.product must be an object'],
    ['a bad sku', assetInput('LOT-1', { product: { sku: 'a b', description: 'x' } }), 'INVALID_ARGUMENT: input.product.sku must match ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$'],
    ['a blank description', assetInput('LOT-1', { product: { sku: 'S', description: '   ' } }), 'INVALID_ARGUMENT: input.product.description must not be blank'],
    ['a long description', assetInput('LOT-1', { product: { sku: 'S', description: 'd'.repeat(257) } }), 'INVALID_ARGUMENT: input.product.description must be at most 256 characters'],
    ['an extra product field', assetInput('LOT-1', { product: { sku: 'S', description: 'd', price: 3 } }), "INVALID_ARGUMENT: input.product has unknown field(s) 'price'; allowed: sku, description"],
    ['a zero quantity', assetInput('LOT-1', { quantity: { amount: 0, unit: 'kg' } }), 'INVALID_ARGUMENT: input.quantity.amount must be positive'],
    ['a huge quantity', assetInput('LOT-1', { quantity: { amount: 1e10, unit: 'kg' } }), `INVALID_ARGUMENT: input.quantity.amount must be at most ${LIMITS.MAX_QUANTITY}`],
    ['an infinite quantity', '{"id":"L","product":{"sku":"S","description":"d"},"quantity":{"amount":1e999,"unit":"kg"},"origin":{"site":"s","country":"FR"}}', 'INVALID_ARGUMENT: input.quantity.amount must be a number'],
    ['a bad unit', assetInput('LOT-1', { quantity: { amount: 1, unit: '1kg' } }), 'INVALID_ARGUMENT: input.quantity.unit must match ^[A-Za-z][A-Za-z0-9._/-]{0,15}$'],
    ['a lowercase country', assetInput('LOT-1', { origin: { site: 'x', country: 'co' } }), 'INVALID_ARGUMENT: input.origin.country must match ^[A-Z]{2}$'],
    ['an unassigned country', assetInput('LOT-1', { origin: { site: 'x', country: 'XX' } }), "INVALID_ARGUMENT: input.origin.country 'XX' is not an assigned ISO 3166-1 alpha-2 code"],
    ['attributes as an array', assetInput('LOT-1', { attributes: ['a'] }), 'INVALID_ARGUMENT: input.attributes must be an object'],
    ['too many attributes', assetInput('LOT-1', { attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }), `INVALID_ARGUMENT: input.attributes must have at most ${LIMITS.MAX_ATTRIBUTES} entries`],
    ['a long attribute value', assetInput('LOT-1', { attributes: { k: 'v'.repeat(257) } }), 'INVALID_ARGUMENT: input.attributes.k must be at most 256 characters'],
    ['documents not an array', assetInput('LOT-1', { documents: {} }), 'INVALID_ARGUMENT: input.documents must be an array'],
    ['a duplicate document', assetInput('LOT-1', { documents: [{ name: 'a', sha256: sha('1') }, { name: 'a', sha256: sha('2') }] }), "INVALID_ARGUMENT: input.documents has duplicate name 'a'"],
    ['a duplicate personal ref', assetInput('LOT-1', { personalDataRefs: [{ ref: 'a'.repeat(32), commitment: sha('1'), category: 'notes' }, { ref: 'a'.repeat(32), commitment: sha('2'), category: 'notes' }] }), `INVALID_ARGUMENT: input.personalDataRefs has duplicate ref '${'a'.repeat(32)}'`],
    ['a non-string input', 42, 'INVALID_ARGUMENT: input must be a JSON string'],
  ])('rejects %s', async (_name, input, message) => {
    const h = new ContractHarness();
    const raw = typeof input === 'string' || typeof input === 'number' ? input : JSON.stringify(input);
    expect(await rejectionOf(h.submit(manufacturer, 'createAsset', [raw]))).toMatchObject({ code: 'INVALID_ARGUMENT', message });
  });
});

describe('unknown transactions', () => {
  it('are rejected with a coded error', async () => {
    const h = new ContractHarness();
    const stub = h.ledger.newTransaction({ peerMspId: MSP.MANUFACTURER, fcn: 'dropTables' });
    expect(await rejectionOf(h.contract.unknownTransaction(h.context(manufacturer, stub)))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "INVALID_ARGUMENT: unknown transaction 'dropTables'",
    });
  });
});
