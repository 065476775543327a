import { ContractHarness } from '../testing/contract-harness';
import { EVENTS } from '../constants';
import type { Asset } from '../domain/asset';
import { EndorsementPolicyFailure } from '../testing/in-memory-stub';
import { ACTORS, MSP, assetInput, rejectionOf } from '../testing/fixtures';

const { manufacturer, carrier, retailer } = ACTORS;

async function created(id = 'LOT-1'): Promise<ContractHarness> {
  const h = new ContractHarness();
  await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput(id))]);
  return h;
}

describe('custody handover', () => {
  it('records the proposal and emits HandoverProposed with from/to', async () => {
    const h = await created();
    const { result, events } = await h.submit<Asset>(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    expect(result.pendingHandover).toMatchObject({ from: MSP.MANUFACTURER, to: MSP.CARRIER });
    expect(events[0]).toMatchObject({
      name: EVENTS.HANDOVER_PROPOSED,
      payload: { assetId: 'LOT-1', from: MSP.MANUFACTURER, to: MSP.CARRIER, status: 'CREATED', actorOrg: MSP.MANUFACTURER },
    });
  });

  it('refuses a second proposal while one is pending', async () => {
    const h = await created();
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    expect(await rejectionOf(h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.RETAILER]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: asset 'LOT-1' already has a handover pending to ${MSP.CARRIER}`,
    });
  });

  it('refuses a handover to the custodian itself and malformed organisations', async () => {
    const h = await created();
    expect(await rejectionOf(h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.MANUFACTURER]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: toOrg ${MSP.MANUFACTURER} is already the custodian of asset 'LOT-1'`,
    });
    expect(await rejectionOf(h.submit(manufacturer, 'proposeHandover', ['LOT-1', 'bad org!']))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: toOrg must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
    });
  });

  it('accept without a pending handover is a CONFLICT', async () => {
    const h = await created();
    expect(await rejectionOf(h.submit(carrier, 'acceptHandover', ['LOT-1']))).toMatchObject({
      code: 'CONFLICT',
      message: "CONFLICT: asset 'LOT-1' has no pending handover",
    });
  });

  it('the recipient rejects: custody unchanged, HandoverRejected', async () => {
    const h = await created();
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    const { result, events } = await h.submit<Asset>(carrier, 'rejectHandover', ['LOT-1']);
    expect(result).toMatchObject({ custodian: MSP.MANUFACTURER, pendingHandover: null });
    expect(events[0]).toMatchObject({ name: EVENTS.HANDOVER_REJECTED, payload: { from: MSP.MANUFACTURER, to: MSP.CARRIER } });
  });

  it('the proposer cancels before acceptance; the recipient then cannot accept', async () => {
    const h = await created();
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    const { events } = await h.submit(manufacturer, 'cancelHandover', ['LOT-1']);
    expect(events[0]?.name).toBe(EVENTS.HANDOVER_CANCELLED);
    expect(await rejectionOf(h.submit(carrier, 'acceptHandover', ['LOT-1']))).toMatchObject({ code: 'CONFLICT' });
  });

  it('the recipient cannot cancel and the proposer cannot accept', async () => {
    const h = await created();
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    expect(await rejectionOf(h.submit(carrier, 'cancelHandover', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.CARRIER} is not the proposer of the pending handover of asset 'LOT-1' (handover from ${MSP.MANUFACTURER} to ${MSP.CARRIER})`,
    });
    expect(await rejectionOf(h.submit(manufacturer, 'acceptHandover', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.MANUFACTURER} is not the recipient of the pending handover of asset 'LOT-1' (handover from ${MSP.MANUFACTURER} to ${MSP.CARRIER})`,
    });
  });

  it('moves the key-level endorsement policy with custody and emits HandoverAccepted', async () => {
    const h = await created();
    const key = h.ledger.newTransaction({ peerMspId: null }).createCompositeKey('asset', ['LOT-1']);
    expect(h.ledger.policyOrgs(key)).toEqual([MSP.MANUFACTURER]);
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    const accepted = await h.submit<Asset>(carrier, 'acceptHandover', ['LOT-1']);
    expect(accepted.events[0]).toMatchObject({
      name: EVENTS.HANDOVER_ACCEPTED,
      payload: { from: MSP.MANUFACTURER, to: MSP.CARRIER, status: 'IN_TRANSIT', previousStatus: 'CREATED', custodian: MSP.CARRIER },
    });
    expect(h.ledger.policyOrgs(key)).toEqual([MSP.CARRIER, MSP.MANUFACTURER]);
    await h.submit(carrier, 'proposeHandover', ['LOT-1', MSP.RETAILER]);
    const delivered = await h.submit<Asset>(retailer, 'acceptHandover', ['LOT-1'], { endorsers: [MSP.MANUFACTURER, MSP.CARRIER] });
    expect(delivered.requiredEndorsers).toEqual([MSP.CARRIER, MSP.MANUFACTURER]);
    expect(h.ledger.policyOrgs(key)).toEqual([MSP.MANUFACTURER, MSP.RETAILER]);
  });

  it('an update endorsed only by a non-holding organisation fails validation and changes nothing', async () => {
    const h = await created();
    const error = await rejectionOf(
      h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER], { endorsers: [MSP.RETAILER] }),
    );
    expect(error).toBeInstanceOf(EndorsementPolicyFailure);
    expect(error).toMatchObject({ required: [MSP.MANUFACTURER], endorsers: [MSP.RETAILER] });
    expect((await h.evaluate<Asset>(manufacturer, 'getAsset', ['LOT-1'])).pendingHandover).toBeNull();
  });
});
