import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { call } from '../support/api';
import { env, testNetwork, uniqueId } from '../support/fabric';
import { findLeaks, readChannelBlocks } from '../support/ledger-scan';
import { MSP } from '../support/orgs';

// Personal data end to end on the real network: values stay in the Manufacturer gateway's store;
// the ledger (read block by block from a peer) holds only random refs and salted commitments.

interface PdRef {
  ref: string;
  commitment: string | null;
  category: string;
  controllerOrg: string;
  erasedAt: string | null;
}
interface AssetBody {
  id: string;
  personalDataRefs: PdRef[];
}
interface Written<T> {
  txId: string;
  blockNumber: number;
  result: T;
}
interface RecordView {
  ref: string;
  subjectId: string;
  assetId: string;
  category: string;
  value: string;
  salt: string;
  commitment: string;
  version: number;
}

const AS_USER = { as: 'manufacturer-user1', headers: { 'x-purpose': 'shipment-booking' } };
const AS_ADMIN = { as: 'manufacturer-admin1', headers: { 'x-purpose': 'dsr-2026-0042' } };

// Fictitious but distinctive values, each searched for in the ledger, the store and the logs.
const VALUES = {
  name: 'Giuseppina Verdecchia-Ombroso',
  'postal-address': 'Via dei Glicini 42, 00184 Roma',
  phone: '+393475550198',
  email: 'g.verdecchia@posta-esempio.it',
  notes: 'Consegnare al portiere, citofono Verdecchia',
  'national-id': 'VRDGPP80A41H501Z',
} as const;
const PHONE_AS_TYPED = '+39 347 555 0198';
const RECTIFIED_PHONE = '+393475550777';
const SEARCHED = [
  ...Object.values(VALUES),
  PHONE_AS_TYPED,
  RECTIFIED_PHONE,
  '+39 347 555 0777',
  'Verdecchia',
  'Glicini',
];

describe('personal data off-chain (GDPR), on the real network', () => {
  const assetId = uniqueId('pd');
  let subjectId = '';
  let refs: Record<string, PdRef> = {};
  let lastBlock = 0n;
  let exported: RecordView[] = [];
  const seen = (n: number) => {
    if (BigInt(n) > lastBlock) lastBlock = BigInt(n);
  };

  it('creates a data subject and an asset with personal data; the asset carries only refs and commitments', async () => {
    const subject = await call<{ subjectId: string }>(
      'manufacturer',
      'POST',
      '/v1/personal-data/subjects',
      AS_USER,
    );
    expect(subject.status).toBe(201);
    subjectId = subject.body.subjectId;
    expect(subjectId).toMatch(/^[0-9a-f-]{36}$/);

    const created = await call<Written<AssetBody>>('manufacturer', 'POST', '/v1/assets', {
      ...AS_USER,
      body: {
        id: assetId,
        product: { sku: 'SKU-PD-1', description: 'Pallet of olive oil' },
        quantity: { amount: 12, unit: 'case' },
        origin: { site: 'Frantoio 3', country: 'IT' },
        personalData: [
          { subjectId, category: 'name', value: VALUES.name },
          { subjectId, category: 'postal-address', value: VALUES['postal-address'] },
          { subjectId, category: 'phone', value: PHONE_AS_TYPED },
          { subjectId, category: 'email', value: VALUES.email },
          { subjectId, category: 'notes', value: VALUES.notes },
        ],
      },
    });
    expect(created.status).toBe(201);
    seen(created.body.blockNumber);
    expect(findLeaks(Buffer.from(JSON.stringify(created.body)), SEARCHED)).toEqual([]);
    const onLedger = created.body.result.personalDataRefs;
    expect(onLedger.map((r) => r.category)).toEqual(['name', 'postal-address', 'phone', 'email', 'notes']);
    for (const r of onLedger) {
      expect(r).toMatchObject({
        ref: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
        commitment: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
        controllerOrg: MSP.M,
        erasedAt: null,
      });
    }
    refs = Object.fromEntries(onLedger.map((r) => [r.category, r]));

    // National ids are readable by admins only (default policy): the user may not add one, the admin may.
    const denied = await call('manufacturer', 'POST', '/v1/personal-data/records', {
      ...AS_USER,
      body: { assetId, subjectId, category: 'national-id', value: VALUES['national-id'] },
    });
    expect(denied).toMatchObject({ status: 403, body: { code: 'CATEGORY_FORBIDDEN' } });
    const added = await call<{ record: { ref: string; commitment: string }; blockNumber: number }>(
      'manufacturer',
      'POST',
      '/v1/personal-data/records',
      { ...AS_ADMIN, body: { assetId, subjectId, category: 'national-id', value: VALUES['national-id'] } },
    );
    expect(added.status).toBe(201);
    seen(added.body.blockNumber);
    const asset = await call<AssetBody>('manufacturer', 'GET', `/v1/assets/${assetId}`, AS_USER);
    const nationalId = asset.body.personalDataRefs.find((r) => r.ref === added.body.record.ref);
    expect(nationalId).toMatchObject({ category: 'national-id', commitment: added.body.record.commitment });
    refs['national-id'] = nationalId as PdRef;
  });

  it('reads a record (its salt only comes with an export); another organisation verifies it against the ledger', async () => {
    const phone = await call<RecordView>(
      'manufacturer',
      'GET',
      `/v1/personal-data/records/${refs.phone?.ref}`,
      AS_USER,
    );
    expect(phone).toMatchObject({
      status: 200,
      body: { value: VALUES.phone, assetId, category: 'phone', commitment: refs.phone?.commitment },
    });
    const forbidden = await call(
      'manufacturer',
      'GET',
      `/v1/personal-data/records/${refs['national-id']?.ref}`,
      AS_USER,
    );
    expect(forbidden).toMatchObject({ status: 403, body: { code: 'CATEGORY_FORBIDDEN' } });
    expect(phone.body).not.toHaveProperty('salt');
    const dsr = await call<{ records: RecordView[] }>(
      'manufacturer',
      'GET',
      `/v1/personal-data/subjects/${subjectId}/export`,
      AS_ADMIN,
    );
    const salt = dsr.body.records.find((r) => r.ref === phone.body.ref)?.salt;
    expect(salt).toMatch(/^[0-9a-f]{64}$/);

    // The Retailer gateway has no copy of the data: it checks the record it was given against the ledger.
    const given = {
      assetId,
      ref: phone.body.ref,
      category: 'phone',
      value: phone.body.value,
      salt,
    };
    const verified = await call('retailer', 'POST', '/v1/personal-data/verify', {
      as: 'retailer-user1',
      body: given,
    });
    expect(verified).toMatchObject({ status: 200, body: { status: 'match', matches: true } });
    const wrong = await call('retailer', 'POST', '/v1/personal-data/verify', {
      as: 'retailer-user1',
      body: { ...given, value: '+393475550199' },
    });
    expect(wrong).toMatchObject({ status: 200, body: { status: 'mismatch', matches: false } });
  });

  it('rectifies: a new commitment on the ledger; the history shows the change without values', async () => {
    const rectified = await call<{ record: { commitment: string; version: number }; blockNumber: number }>(
      'manufacturer',
      'POST',
      `/v1/personal-data/records/${refs.phone?.ref}/rectify`,
      { ...AS_USER, body: { value: '+39 347 555 0777' } },
    );
    expect(rectified).toMatchObject({ status: 200, body: { record: { version: 2 } } });
    seen(rectified.body.blockNumber);
    expect(rectified.body.record.commitment).not.toBe(refs.phone?.commitment);
    const history = await call<{ entries?: { value?: AssetBody }[] } | { value?: AssetBody }[]>(
      'manufacturer',
      'GET',
      `/v1/assets/${assetId}/history`,
      AS_USER,
    );
    expect(history.status).toBe(200);
    const text = JSON.stringify(history.body);
    expect(text).toContain(rectified.body.record.commitment);
    expect(text).toContain(refs.phone?.commitment ?? 'missing');
    expect(findLeaks(Buffer.from(text), SEARCHED)).toEqual([]);
    const read = await call<RecordView>(
      'manufacturer',
      'GET',
      `/v1/personal-data/records/${refs.phone?.ref}`,
      AS_USER,
    );
    expect(read.body).toMatchObject({ value: RECTIFIED_PHONE, version: 2 });
  });

  it('exports everything held about the subject as JSON, with its access log (admin only)', async () => {
    expect(
      (await call('manufacturer', 'GET', `/v1/personal-data/subjects/${subjectId}/export`, AS_USER)).status,
    ).toBe(403);
    const exp = await call<{ subjectId: string; records: RecordView[]; accessLog: { action: string }[] }>(
      'manufacturer',
      'GET',
      `/v1/personal-data/subjects/${subjectId}/export`,
      AS_ADMIN,
    );
    expect(exp.status).toBe(200);
    expect(Object.fromEntries(exp.body.records.map((r) => [r.category, r.value]))).toEqual({
      ...VALUES,
      phone: RECTIFIED_PHONE,
    });
    expect(exp.body.accessLog.map((e) => e.action)).toEqual(
      expect.arrayContaining(['create', 'read', 'rectify', 'export']),
    );
    exported = exp.body.records;
  });

  it('finds none of the personal values, nor their unsalted hashes, in any block of the channel (before erasure)', async () => {
    const ledger = await readChannelBlocks('Manufacturer', 'manufacturer-user1', lastBlock);
    expect(ledger.blocks[0]?.number).toBe(0n);
    expect(ledger.blocks[ledger.blocks.length - 1]?.number).toBe(lastBlock);
    // The scan looks at the right bytes: it does find the asset id, every ref and every commitment.
    const markers = [assetId, ...Object.values(refs).flatMap((r) => [r.ref, r.commitment ?? ''])];
    expect(markers.filter((m) => !ledger.all.includes(Buffer.from(m)))).toEqual([]);
    expect(findLeaks(ledger.all, SEARCHED)).toEqual([]);
  });

  it('is a scan that can fail: a canary put on the ledger in clear and as an unsalted hash is found', async () => {
    const canary = `Canary Ombretta Pescatore ${assetId}`;
    const hashed = `Canary hashed ${assetId}`;
    const created = await call<Written<AssetBody>>('manufacturer', 'POST', '/v1/assets', {
      as: 'manufacturer-user1',
      body: {
        id: `${assetId}-canary`,
        product: { sku: 'SKU-PD-1', description: canary },
        quantity: { amount: 1, unit: 'case' },
        origin: { site: 'Frantoio 3', country: 'IT' },
        documents: [{ name: 'canary', sha256: createHash('sha256').update(hashed).digest('hex') }],
      },
    });
    expect(created.status).toBe(201);
    seen(created.body.blockNumber);
    const ledger = await readChannelBlocks('Retailer', 'retailer-user1', BigInt(created.body.blockNumber));
    expect(findLeaks(ledger.all, [canary, hashed])).toEqual(
      expect.arrayContaining([`${canary} (utf8)`, `${hashed} (sha256 hex)`]),
    );
  });

  it('erases the subject: reads are 404, refs are erased on the ledger (event), old commitments unlinkable', async () => {
    const erased = await call<{
      recordsErased: number;
      ledger: { ref: string; status: string; txId: string }[];
    }>('manufacturer', 'POST', `/v1/personal-data/subjects/${subjectId}/erase`, AS_ADMIN);
    expect(erased).toMatchObject({ status: 200, body: { recordsErased: 6 } });
    expect(erased.body.ledger.map((l) => l.status)).toEqual(Array(6).fill('erased'));
    for (const r of Object.values(refs)) {
      const read = await call('manufacturer', 'GET', `/v1/personal-data/records/${r.ref}`, AS_ADMIN);
      expect(read).toMatchObject({ status: 404, body: { code: 'PERSONAL_DATA_NOT_FOUND' } });
    }
    expect(
      (await call('manufacturer', 'GET', `/v1/personal-data/subjects/${subjectId}/export`, AS_ADMIN)).status,
    ).toBe(404);
    const asset = await call<AssetBody>('manufacturer', 'GET', `/v1/assets/${assetId}`, AS_USER);
    expect(asset.body.personalDataRefs.every((r) => r.commitment === null && r.erasedAt !== null)).toBe(true);
    // Even with the exported record, the ledger no longer holds a commitment to check it against.
    const phone = exported.find((r) => r.category === 'phone') as RecordView;
    const verify = await call('carrier', 'POST', '/v1/personal-data/verify', {
      as: 'carrier-user1',
      body: { assetId, ref: phone.ref, category: 'phone', value: phone.value, salt: phone.salt },
    });
    expect(verify).toMatchObject({ status: 200, body: { status: 'erased', matches: false } });
    const status = await call<{ blockNumber: number }>(
      'manufacturer',
      'GET',
      `/v1/transactions/${erased.body.ledger[5]?.txId}`,
      AS_USER,
    );
    seen(status.body.blockNumber);
  });

  it('records the erasure in the access log, without personal data, and nothing there ties the subject to its refs any more', async () => {
    const log = await call<{
      items: {
        action: string;
        subjectId: string | null;
        ref: string | null;
        assetId: string | null;
        purpose: string;
      }[];
    }>('manufacturer', 'GET', '/v1/personal-data/access-log?limit=1000', { as: 'manufacturer-admin1' });
    expect(log.status).toBe(200);
    const text = JSON.stringify(log.body);
    // Subject, refs and asset of entries about a subject are pseudonyms under the subject's own
    // key, which died with it: the subject id appears nowhere, and no entry with a subject names a
    // ref or an asset in clear.
    expect(text).not.toContain(subjectId);
    const aboutSubjects = log.body.items.filter((e) => e.subjectId !== null);
    expect(aboutSubjects.length).toBeGreaterThan(7);
    expect(
      aboutSubjects.every(
        (e) =>
          e.subjectId?.startsWith('ps_') &&
          (e.ref ?? 'ps_').startsWith('ps_') &&
          (e.assetId ?? 'ps_').startsWith('ps_'),
      ),
    ).toBe(true);
    const erasures = log.body.items.filter((e) => e.action === 'erase' && e.purpose === 'dsr-2026-0042');
    expect(erasures.length).toBeGreaterThanOrEqual(7);
    // The ledger erasures name the refs (public on the ledger anyway), never a subject.
    const ledgerErasures = log.body.items.filter(
      (e) => e.action === 'ledger-erase' && Object.values(refs).some((r) => r.ref === e.ref),
    );
    expect(ledgerErasures).toHaveLength(6);
    expect(ledgerErasures.every((e) => e.subjectId === null)).toBe(true);
    expect(findLeaks(Buffer.from(text), SEARCHED)).toEqual([]);
  });

  it('finds none of them in any block after erasure either, and the erasure events are on the ledger', async () => {
    const ledger = await readChannelBlocks('Carrier', 'carrier-user1', lastBlock);
    expect(ledger.blocks[ledger.blocks.length - 1]?.number).toBe(lastBlock);
    expect(ledger.all.includes(Buffer.from(assetId))).toBe(true);
    expect(ledger.all.includes(Buffer.from('PersonalDataRefErased'))).toBe(true);
    expect(findLeaks(ledger.all, SEARCHED)).toEqual([]);
  });

  it('leaves no personal value in the gateway’s database file or its log', () => {
    const net = testNetwork();
    const db = path.join(env.dir, 'data', 'gateway-manufacturer.sqlite');
    const files = [db, `${db}-wal`, net.layout.logFile('api.manufacturer')];
    const bytes = Buffer.concat(
      files.map((f) => {
        try {
          return readFileSync(f);
        } catch {
          return Buffer.alloc(0);
        }
      }),
    );
    // The scan reads the right files: the refs are there (ledger erasure queue, access log).
    expect(bytes.includes(Buffer.from(refs.phone?.ref ?? 'missing'))).toBe(true);
    expect(findLeaks(bytes, SEARCHED)).toEqual([]);
  });
});
