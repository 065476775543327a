import type { AuthenticatedClient } from '../common/client';
import { MetricsService } from '../metrics/metrics.service';
import {
  ChaincodeError,
  EndorsementError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
} from './ledger.errors';
import { LedgerService, type SubmitPlan } from './ledger.service';
import { chaincodeError, FakeLedger } from './testing/fake-ledger';

const client: AuthenticatedClient = {
  keyId: '0123456789abcdef',
  name: 'erp',
  identityId: 'manufacturer-user1',
  role: 'manufacturer',
  mspId: 'ManufacturerMSP',
};

function setup(maxAttempts = 3) {
  const ledger = new FakeLedger();
  const metrics = new MetricsService({ defaultMetrics: false });
  const sleeps: number[] = [];
  const recorded: string[][] = [];
  const service = new LedgerService(
    ledger,
    metrics,
    { maxAttempts, baseDelayMs: 100, maxDelayMs: 300 },
    { record: (txId, keyId, tx) => Promise.resolve(void recorded.push([txId, keyId, tx])) },
    { random: () => 0.5, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
  );
  return { ledger, metrics, service, sleeps, recorded };
}

const counter = async (metrics: MetricsService, name: string) =>
  (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];

describe('LedgerService', () => {
  it('evaluates as the client identity and parses JSON', async () => {
    const { ledger, service } = setup();
    ledger.handle('getAsset', (c) => ({ id: c.args[0], via: c.identity }));
    await expect(service.evaluate(client, 'getAsset', ['LOT-1'])).resolves.toEqual({
      id: 'LOT-1',
      via: 'manufacturer-user1',
    });
  });

  it('retries a read conflict with a new transaction and a fresh plan, then reports the attempts', async () => {
    const { ledger, service, sleeps, metrics } = setup();
    ledger.conflictNext('acceptHandover', 2).handle('acceptHandover', () => ({ ok: true }));
    const plans: SubmitPlan[] = [];
    let n = 0;
    const outcome = await service.submit(client, 'acceptHandover', () => {
      const plan = { args: ['LOT-1'], endorsingOrganizations: [`Org${++n}MSP`] };
      plans.push(plan);
      return plan;
    });

    expect(outcome).toMatchObject({ mode: 'sync', attempts: 3, blockNumber: 2, result: { ok: true } });
    const calls = ledger.callsOf('acceptHandover');
    expect(calls.map((c) => c.endorsingOrganizations)).toEqual([['Org1MSP'], ['Org2MSP'], ['Org3MSP']]);
    expect(new Set(calls.map((c) => c.txId)).size).toBe(3);
    expect(outcome.txId).toBe(calls[2]?.txId);
    // full jitter: random 0.5 × min(300, 100 × 2^(attempt-1))
    expect(sleeps).toEqual([50, 100]);
    expect(await counter(metrics, 'waybill_ledger_retries_total')).toMatchObject([
      { labels: { transaction: 'acceptHandover' }, value: 2 },
    ]);
  });

  it("retries when only another organisation's peer refused (it had not committed the last block yet)", async () => {
    const { ledger, service, sleeps } = setup(3);
    const stale = (call: { txId: string }) =>
      new ChaincodeError({
        stage: 'endorse',
        txId: call.txId,
        message: 'failed to collect enough transaction endorsements',
        details: [{ address: 'peer0.carrier:7051', mspId: 'CarrierMSP', message: 'chaincode response 500, FORBIDDEN: not the custodian' }],
        code: 'FORBIDDEN',
        chaincodeMessage: 'not the custodian',
      });
    ledger.failNext('proposeHandover', stale).handle('proposeHandover', () => ({ ok: true }));
    const plan = { args: ['LOT-1', 'RetailerMSP'], endorsingOrganizations: ['ManufacturerMSP', 'CarrierMSP'] };
    await expect(service.submit(client, 'proposeHandover', () => plan)).resolves.toMatchObject({ attempts: 2, result: { ok: true } });
    expect(sleeps).toEqual([50]);
  });

  it('retries a transaction that committed invalid for its endorsement policy when its endorsers were chosen from read holders', async () => {
    const { ledger, service, sleeps } = setup(3);
    const policyFailure = (call: { txId: string }) =>
      new TransactionInvalidError({
        stage: 'commitStatus',
        txId: call.txId,
        message: 'committed as ENDORSEMENT_POLICY_FAILURE',
        validationCode: 'ENDORSEMENT_POLICY_FAILURE',
      });
    ledger.failNext('proposeSale', policyFailure).handle('proposeSale', () => ({ ok: true }));
    let reads = 0;
    const outcome = await service.submit(client, 'proposeSale', () => ({
      args: ['LOT-1', 'RetailerMSP'],
      // The first read still saw the carrier as custodian; the second sees the retailer.
      endorsingOrganizations: ['ManufacturerMSP', ++reads === 1 ? 'CarrierMSP' : 'RetailerMSP'],
    }));
    expect(outcome).toMatchObject({ attempts: 2, result: { ok: true } });
    expect(ledger.callsOf('proposeSale').map((c) => c.endorsingOrganizations)).toEqual([
      ['ManufacturerMSP', 'CarrierMSP'],
      ['ManufacturerMSP', 'RetailerMSP'],
    ]);
    expect(sleeps).toEqual([50]);
    // Without chosen endorsers (the chaincode-level policy) a policy failure is final.
    ledger.failNext('createAsset', policyFailure);
    await expect(service.submit(client, 'createAsset', () => ({ args: ['{}'] }))).rejects.toBeInstanceOf(TransactionInvalidError);
    expect(ledger.callsOf('createAsset')).toHaveLength(1);
  });

  it.each([
    ['our own peer refused too', ['ManufacturerMSP', 'CarrierMSP'], ['ManufacturerMSP', 'CarrierMSP']],
    ['our own peer was not asked', ['CarrierMSP', 'RetailerMSP'], ['CarrierMSP']],
    ['only our own organisation endorses', ['ManufacturerMSP'], ['ManufacturerMSP']],
  ])('does not retry a refusal when %s', async (_why, orgs, refusing) => {
    const { ledger, service } = setup(3);
    ledger.failNext(
      'putOnHold',
      new EndorsementError({
        stage: 'endorse',
        message: 'failed to collect enough transaction endorsements',
        details: refusing.map((mspId) => ({ address: 'peer', mspId, message: 'ProposalResponsePayloads do not match' })),
      }),
    );
    await expect(service.submit(client, 'putOnHold', () => ({ args: ['LOT-1'], endorsingOrganizations: orgs }))).rejects.toBeInstanceOf(EndorsementError);
    expect(ledger.callsOf('putOnHold')).toHaveLength(1);
  });

  it('gives up after maxAttempts with the conflict and how many transactions were tried', async () => {
    const { ledger, service } = setup(3);
    ledger.conflictNext('acceptHandover', 5);
    const error = await service
      .submit(client, 'acceptHandover', () => ({ args: ['LOT-1'] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionConflictError);
    expect(error).toMatchObject({
      kind: 'conflict',
      attempts: 3,
      validationCode: 'MVCC_READ_CONFLICT',
      txId: ledger.calls[2]?.txId,
    });
    expect(ledger.callsOf('acceptHandover')).toHaveLength(3);
  });

  it('does not retry what a retry cannot fix', async () => {
    const { ledger, service, sleeps } = setup();
    ledger.failNext('acceptHandover', chaincodeError('FORBIDDEN', 'role auditor may not acceptHandover'));
    await expect(
      service.submit(client, 'acceptHandover', () => ({ args: ['LOT-1'] })),
    ).rejects.toBeInstanceOf(ChaincodeError);
    ledger.unavailable = true;
    await expect(
      service.submit(client, 'acceptHandover', () => ({ args: ['LOT-1'] })),
    ).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(ledger.callsOf('acceptHandover')).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('submits asynchronously once, records the transaction and does not wait for the commit', async () => {
    const { ledger, service, recorded } = setup();
    ledger.handle('createAsset', () => ({ id: 'LOT-1' }));
    const outcome = await service.submit(client, 'createAsset', () => ({ args: ['{}'] }), 'async');
    expect(outcome).toEqual({ mode: 'async', txId: ledger.calls[0]?.txId, attempts: 1 });
    expect(recorded).toEqual([[outcome.txId, client.keyId, 'createAsset']]);
    await expect(service.transactionStatus(client, outcome.txId, 10)).resolves.toEqual({
      txId: outcome.txId,
      committed: false,
    });
    ledger.commitPending();
    await expect(service.transactionStatus(client, outcome.txId, 10)).resolves.toEqual({
      txId: outcome.txId,
      committed: true,
      validationCode: 'VALID',
      successful: true,
      blockNumber: 0n,
    });
  });

  it('times ledger calls by kind, transaction and outcome', async () => {
    const { ledger, service, metrics } = setup();
    ledger.handle('getAsset', () => ({}));
    ledger.failNext('getAsset', chaincodeError('ASSET_NOT_FOUND', 'no', 'evaluate'));
    await service.evaluate(client, 'getAsset', ['A']).catch(() => undefined);
    await service.evaluate(client, 'getAsset', ['A']);
    const counts = (await counter(metrics, 'waybill_ledger_call_duration_seconds')).filter(
      (v) => (v as { metricName?: string }).metricName === 'waybill_ledger_call_duration_seconds_count',
    );
    expect(counts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          labels: { kind: 'evaluate', transaction: 'getAsset', outcome: 'chaincode' },
          value: 1,
        }),
        expect.objectContaining({
          labels: { kind: 'evaluate', transaction: 'getAsset', outcome: 'ok' },
          value: 1,
        }),
      ]),
    );
  });

  it('keeps backoff within its cap', () => {
    const service = new LedgerService(
      new FakeLedger(),
      new MetricsService({ defaultMetrics: false }),
      { maxAttempts: 9, baseDelayMs: 25, maxDelayMs: 1000 },
      { record: () => Promise.resolve() },
      { random: () => 0.999, sleep: () => Promise.resolve() },
    );
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => service.backoff(a))).toEqual([
      24, 49, 99, 199, 399, 799, 999, 999,
    ]);
  });
});
