import type { Asset } from './assets/asset.types';
import { chaincodeError } from './ledger/testing/fake-ledger';
import { anAsset, withAssets } from './testing/fake-assets';
import { DEFAULT_RETENTION_MS, type GatewayConfig } from './config/config';
import { request, startTestApp, testConfig, type TestApp } from './testing/test-app';

const PHONE = '+393331234567';
const NAME = 'Maria Rossi';

/** Personal data over HTTP: validation, access control, and that values stay out of ledger, logs and records. */
describe('personal data over HTTP', () => {
  let t: TestApp;
  let user: string;
  let admin: string;
  let auditor: string;
  let assets: Map<string, Asset>;
  const purpose = { 'x-purpose': 'delivery' };

  const start = async (config?: GatewayConfig) => {
    t = await startTestApp(config ? { config } : {});
    user = t.keys['manufacturer-user1'] ?? '';
    admin = t.keys['manufacturer-admin'] ?? '';
    auditor = t.keys['manufacturer-auditor'] ?? '';
    assets = new Map();
    withAssets(t.ledger, assets);
    t.ledger
      .handle('createAsset', (c) => {
        const input = JSON.parse(c.args[0] ?? '{}') as Asset & {
          personalDataRefs?: Asset['personalDataRefs'];
        };
        const refs = (input.personalDataRefs ?? []).map((r) => ({
          ...r,
          controllerOrg: 'ManufacturerMSP',
          addedAt: 'now',
          updatedAt: 'now',
          updatedTxId: c.txId,
          erasedAt: null,
        }));
        const asset = anAsset({ id: input.id, personalDataRefs: refs });
        assets.set(asset.id, asset);
        return asset;
      })
      .handle('upsertPersonalDataRef', (c) => {
        const asset = assets.get(c.args[0] ?? '');
        if (!asset) throw chaincodeError('ASSET_NOT_FOUND', 'no asset');
        const r = JSON.parse(c.args[1] ?? '{}') as { ref: string; commitment: string; category: string };
        const others = asset.personalDataRefs.filter((x) => x.ref !== r.ref);
        const next = {
          ...asset,
          personalDataRefs: [
            ...others,
            {
              ...r,
              controllerOrg: 'ManufacturerMSP',
              addedAt: 'now',
              updatedAt: 'now',
              updatedTxId: c.txId,
              erasedAt: null,
            },
          ],
        };
        assets.set(asset.id, next);
        return next;
      })
      .handle('erasePersonalDataRef', (c) => {
        const asset = assets.get(c.args[0] ?? '');
        if (!asset) throw chaincodeError('ASSET_NOT_FOUND', 'no asset');
        const next = {
          ...asset,
          personalDataRefs: asset.personalDataRefs.map((r) =>
            r.ref === c.args[1] ? { ...r, commitment: null, erasedAt: 'now' } : r,
          ),
        };
        assets.set(asset.id, next);
        return next;
      });
  };
  beforeEach(() => start());
  afterEach(() => t.close());

  const subject = async (): Promise<string> => {
    const r = await request(t, 'POST', '/v1/personal-data/subjects', { key: user, headers: purpose });
    expect(r.status).toBe(201);
    return String(r.body.subjectId);
  };
  const createAsset = (id: string, personalData: unknown, headers: Record<string, string> = purpose) =>
    request(t, 'POST', '/v1/assets', {
      key: user,
      headers: { ...headers, 'idempotency-key': `create-${id}` },
      body: {
        id,
        product: { sku: 'SKU-1', description: 'Tomatoes' },
        quantity: { amount: 3, unit: 'case' },
        origin: { site: 'Plant 7', country: 'IT' },
        personalData,
      },
    });
  const everythingStored = async () =>
    JSON.stringify(
      await Promise.all(
        ['pd_subjects', 'pd_records', 'pd_access_log', 'idempotency_keys', 'submitted_transactions'].map(
          (table) => t.db.query(`SELECT * FROM ${table}`),
        ),
      ),
    );

  it('creates an asset with personal data: the ledger gets refs and commitments, nothing personal anywhere else', async () => {
    const subjectId = await subject();
    const r = await createAsset('LOT-PD-1', [
      { subjectId, category: 'name', value: NAME },
      { subjectId, category: 'phone', value: '+39 333 123 4567' },
    ]);
    expect(r.status).toBe(201);
    const refs = (r.body.result as Asset).personalDataRefs;
    expect(refs.map((x) => x.category)).toEqual(['name', 'phone']);
    const [call] = t.ledger.callsOf('createAsset');
    const sent = JSON.stringify(call?.args);
    for (const needle of [NAME, PHONE, '333 123']) {
      expect(sent).not.toContain(needle);
      expect(r.text).not.toContain(needle);
      expect(JSON.stringify(t.logs)).not.toContain(needle);
      expect(await everythingStored()).not.toContain(needle);
    }
    const read = await request(t, 'GET', `/v1/personal-data/records/${refs[1]?.ref}`, {
      key: user,
      headers: purpose,
    });
    expect(read).toMatchObject({
      status: 200,
      body: { value: PHONE, category: 'phone', assetId: 'LOT-PD-1' },
    });
    // The salt comes only with the subject's export (and is what verify takes).
    expect(read.body).not.toHaveProperty('salt');
    const exported = await request(
      t,
      'GET',
      `/v1/personal-data/subjects/${read.body.subjectId as string}/export`,
      {
        key: admin,
        headers: purpose,
      },
    );
    const salt = (exported.body.records as { ref: string; salt: string }[]).find(
      (r) => r.ref === refs[1]?.ref,
    )?.salt;
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    const verified = await request(t, 'POST', '/v1/personal-data/verify', {
      key: auditor,
      body: { assetId: 'LOT-PD-1', ref: refs[1]?.ref, category: 'phone', value: PHONE, salt },
    });
    expect(verified).toMatchObject({ status: 200, body: { status: 'match', matches: true } });
  });

  it.each([
    [
      'a malformed e-mail',
      { category: 'email', value: 'maria at example' },
      'personalData[0].value',
      'not an e-mail address',
    ],
    [
      'an unknown category',
      { category: 'shoe-size', value: 'EU 38 wide' },
      'personalData[0].category',
      'category must be one of',
    ],
    [
      'an oversize value',
      { category: 'notes', value: 'n'.repeat(5000) },
      'personalData[0].value',
      'at most 4000 characters',
    ],
    [
      'a value over its category’s limit',
      { category: 'name', value: 'Maria '.repeat(40) },
      'personalData[0].value',
      'at most 200 characters',
    ],
    [
      'a value that is not a string',
      { category: 'name', value: 42 },
      'personalData[0].value',
      'value must be a string',
    ],
    [
      'an unknown field',
      { category: 'name', value: NAME, ssn: '123' },
      'personalData[0].ssn',
      'should not exist',
    ],
  ])('refuses %s with 400, without echoing it, and writes nothing', async (_name, item, field, message) => {
    const subjectId = await subject();
    const r = await createAsset('LOT-BAD', [{ subjectId, ...item }]);
    expect(r).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(r.body.errors).toEqual(
      expect.arrayContaining([{ field, message: expect.stringContaining(message) as unknown }]),
    );
    if (typeof item.value === 'string') expect(r.text).not.toContain(item.value.slice(0, 12));
    expect(t.ledger.callsOf('createAsset')).toEqual([]);
    expect(await t.db.query('SELECT ref FROM pd_records')).toEqual([]);
  });

  it('needs X-Purpose, refuses client-made commitments, and an unknown subject', async () => {
    const subjectId = await subject();
    const noPurpose = await createAsset('LOT-X', [{ subjectId, category: 'name', value: NAME }], {});
    expect(noPurpose).toMatchObject({ status: 400, body: { errors: [{ field: 'purpose' }] } });
    const badHeader = await createAsset('LOT-X', [{ subjectId, category: 'name', value: NAME }], {
      'x-purpose': '-',
    });
    expect(badHeader).toMatchObject({ status: 400, body: { errors: [{ field: 'X-Purpose' }] } });
    const forged = await request(t, 'POST', '/v1/assets', {
      key: user,
      body: {
        id: 'LOT-X',
        product: { sku: 'SKU-1', description: 'Tomatoes' },
        quantity: { amount: 3, unit: 'case' },
        origin: { site: 'Plant 7', country: 'IT' },
        personalDataRefs: [{ ref: 'a'.repeat(32), commitment: 'b'.repeat(64), category: 'name' }],
      },
    });
    expect(forged).toMatchObject({ status: 400, body: { errors: [{ field: 'personalDataRefs' }] } });
    const unknown = await createAsset('LOT-X', [
      { subjectId: '00000000-0000-4000-8000-000000000000', category: 'name', value: NAME },
    ]);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'PERSONAL_DATA_NOT_FOUND' } });
    expect(t.ledger.callsOf('createAsset')).toEqual([]);
  });

  it('takes the purpose from the body too (as the OpenAPI document states it), never passing it to the ledger', async () => {
    const subjectId = await subject();
    const r = await request(t, 'POST', '/v1/assets', {
      key: user,
      body: {
        id: 'LOT-PURPOSE',
        product: { sku: 'SKU-1', description: 'Tomatoes' },
        quantity: { amount: 3, unit: 'case' },
        origin: { site: 'Plant 7', country: 'IT' },
        personalData: [{ subjectId, category: 'name', value: NAME }],
        purpose: 'delivery-4711',
      },
    });
    expect(r.status).toBe(201);
    expect(JSON.stringify(t.ledger.callsOf('createAsset')[0]?.args)).not.toContain('delivery-4711');
    expect(await t.db.query("SELECT action FROM pd_access_log WHERE purpose = 'delivery-4711'")).not.toEqual([]);
    const doc = (await request(t, 'GET', '/docs/openapi.json')).body as {
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    expect(doc.components.schemas['CreateAssetDto']).toMatchObject({
      dependentRequired: { personalData: ['purpose'] },
    });
  });

  it('discards the records when the ledger refuses the asset', async () => {
    const subjectId = await subject();
    t.ledger.failNext('createAsset', chaincodeError('ASSET_EXISTS', "asset 'LOT-1' already exists"));
    const r = await createAsset('LOT-1', [{ subjectId, category: 'name', value: NAME }]);
    expect(r).toMatchObject({ status: 409, body: { code: 'ASSET_EXISTS' } });
    expect(await t.db.query('SELECT ref FROM pd_records')).toEqual([]);
  });

  it('limits exports and erasure to admins, the access log to admins and auditors, and categories to their roles', async () => {
    const subjectId = await subject();
    const forbidden = await request(t, 'GET', `/v1/personal-data/subjects/${subjectId}/export`, {
      key: user,
      headers: purpose,
    });
    expect(forbidden).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(
      (
        await request(t, 'POST', `/v1/personal-data/subjects/${subjectId}/erase`, {
          key: user,
          headers: purpose,
        })
      ).status,
    ).toBe(403);
    expect((await request(t, 'GET', '/v1/personal-data/access-log', { key: user })).status).toBe(403);
    const log = await request(t, 'GET', '/v1/personal-data/access-log?limit=1', { key: auditor });
    expect(log).toMatchObject({
      status: 200,
      // The subject is pseudonymised under its own key (gone with it at erasure).
      body: {
        items: [
          { action: 'create', subjectId: expect.stringMatching(/^ps_/) as unknown, purpose: 'delivery' },
        ],
        nextAfter: 1,
      },
    });
    expect(JSON.stringify(log.body)).not.toContain(subjectId);
    const id = await createAsset('LOT-ID', [{ subjectId, category: 'national-id', value: 'AB1234567' }]);
    expect(id).toMatchObject({ status: 403, body: { code: 'CATEGORY_FORBIDDEN' } });
  });

  it('rectifies, exports and erases over HTTP; after erasure reads are 404 and the ledger refs are erased', async () => {
    const subjectId = await subject();
    const created = await createAsset('LOT-PD-2', [{ subjectId, category: 'name', value: NAME }]);
    const ref = (created.body.result as Asset).personalDataRefs[0]?.ref ?? '';
    const before = (created.body.result as Asset).personalDataRefs[0]?.commitment;
    const rectified = await request(t, 'POST', `/v1/personal-data/records/${ref}/rectify`, {
      key: user,
      headers: purpose,
      body: { value: 'Maria Russo' },
    });
    expect(rectified).toMatchObject({ status: 200, body: { record: { ref, version: 2 } } });
    expect(rectified.body.record).not.toHaveProperty('value');
    expect(assets.get('LOT-PD-2')?.personalDataRefs[0]?.commitment).not.toBe(before);
    const exported = await request(t, 'GET', `/v1/personal-data/subjects/${subjectId}/export`, {
      key: admin,
      headers: { 'x-purpose': 'art-15' },
    });
    expect(exported).toMatchObject({
      status: 200,
      body: { subjectId, records: [{ ref, value: 'Maria Russo', version: 2 }] },
    });
    const erased = await request(t, 'POST', `/v1/personal-data/subjects/${subjectId}/erase`, {
      key: admin,
      headers: { 'x-purpose': 'art-17' },
    });
    expect(erased).toMatchObject({
      status: 200,
      body: { subjectId, recordsErased: 1, ledger: [{ ref, status: 'erased' }] },
    });
    expect(
      (await request(t, 'GET', `/v1/personal-data/records/${ref}`, { key: user, headers: purpose })).body,
    ).toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
      status: 404,
    });
    expect(assets.get('LOT-PD-2')?.personalDataRefs[0]).toMatchObject({ commitment: null, erasedAt: 'now' });
    const stored = await everythingStored();
    for (const needle of [NAME, 'Maria Russo']) expect(stored).not.toContain(needle);
    expect(JSON.stringify(t.logs)).not.toContain('Maria');
  });

  it('erases expired records on schedule, as the system identity, and marks their refs erased on the ledger', async () => {
    await t.close();
    await start(
      testConfig({
        personalData: { retentionIntervalMs: 50, retentionMs: { ...DEFAULT_RETENTION_MS, phone: 1 } },
      }),
    );
    const subjectId = await subject();
    const created = await createAsset('LOT-RET', [
      { subjectId, category: 'phone', value: PHONE },
      { subjectId, category: 'name', value: NAME },
    ]);
    const [phone, name] = (created.body.result as Asset).personalDataRefs;
    const deadline = Date.now() + 10_000;
    while (assets.get('LOT-RET')?.personalDataRefs[0]?.erasedAt === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(assets.get('LOT-RET')?.personalDataRefs.map((r) => [r.ref, r.erasedAt])).toEqual([
      [phone?.ref, 'now'],
      [name?.ref, null],
    ]);
    expect(t.ledger.callsOf('erasePersonalDataRef').map((c) => c.identity)).toEqual(['manufacturer-admin']);
    const gone = await request(t, 'GET', `/v1/personal-data/records/${phone?.ref}`, {
      key: user,
      headers: purpose,
    });
    expect(gone.status).toBe(404);
    const kept = await request(t, 'GET', `/v1/personal-data/records/${name?.ref}`, {
      key: user,
      headers: purpose,
    });
    expect(kept).toMatchObject({ status: 200, body: { value: NAME } });
    const log = await request(t, 'GET', '/v1/personal-data/access-log', { key: admin });
    expect(
      (log.body.items as { action: string; actorKeyId: string }[]).filter(
        (e) => e.action === 'retention-erase',
      ),
    ).toEqual([
      expect.objectContaining({
        actorKeyId: 'system:retention',
        category: 'phone',
        ref: expect.stringMatching(/^ps_/) as unknown,
      }),
    ]);
    // Only the ledger erasure names the ref (public on the ledger anyway), never with a subject.
    expect(
      (log.body.items as { subjectId: string | null; ref: string | null }[])
        .filter((e) => e.ref === phone?.ref)
        .map((e) => e.subjectId),
    ).toEqual([null]);
  });
});
