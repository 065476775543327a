import { FabricError } from 'fabric-network/lib/errors/fabricerror';
import { TimeoutError } from 'fabric-network/lib/errors/timeouterror';
import { TransactionError } from 'fabric-network/lib/errors/transactionerror';
import { fromFabricNetworkError } from './fabric-network-error.mapper';
import { ChaincodeError, LedgerInternalError } from './ledger.errors';

// The Fabric 2.2 SDK's failures, in the shapes its sources build them (transaction.js,
// singlequeryhandler.js, transactioneventhandler.js), mapped as the Gateway adapter maps the same
// failure.
const TX = 'b'.repeat(64);

/** transaction.js newEndorsementError: one line per peer; responses/errors attached by submit(). */
function endorsementError(lines: string[], responses: { status: number; message: string }[] = []) {
  return Object.assign(new Error(['No valid responses from any peers. Errors:', ...lines].join('\n    ')), {
    responses: responses.map((response) => ({ connection: { name: 'peer0.carrier' }, response })),
    errors: [],
  });
}

describe('fromFabricNetworkError', () => {
  it('finds the chaincode code in a submit endorsement failure', () => {
    const err = endorsementError(
      ['peer=peer0.carrier, status=500, message=FORBIDDEN: role carrier may not createAsset'],
      [{ status: 500, message: 'FORBIDDEN: role carrier may not createAsset' }],
    );
    const mapped = fromFabricNetworkError(err, 'submit', TX);
    expect(mapped).toBeInstanceOf(ChaincodeError);
    expect(mapped).toMatchObject({
      kind: 'chaincode',
      stage: 'submit',
      txId: TX,
      code: 'FORBIDDEN',
      chaincodeMessage: 'role carrier may not createAsset',
    });
  });

  it('finds the code a 2.2 shim sends as an ERROR message, worded by a 2.2 peer, on submit and on evaluate', () => {
    const wrapped = "error in simulation: transaction returned with failure: ASSET_NOT_FOUND: asset 'X' does not exist";
    const submit = endorsementError([`peer=peer0.carrier, status=500, message=${wrapped}`], [{ status: 500, message: wrapped }]);
    expect(fromFabricNetworkError(submit, 'submit', TX)).toMatchObject({ kind: 'chaincode', code: 'ASSET_NOT_FOUND', chaincodeMessage: "asset 'X' does not exist" });
    const evaluate = Object.assign(new Error(`peer error response: ${wrapped}`), { status: 500 });
    expect(fromFabricNetworkError(evaluate, 'evaluate')).toMatchObject({ kind: 'chaincode', code: 'ASSET_NOT_FOUND', chaincodeMessage: "asset 'X' does not exist" });
  });

  it("maps a peer's refusal of the creator to an identity refusal, on evaluate and on submit", () => {
    const denied = 'access denied: channel [supplychain] creator org [CarrierMSP]';
    const evaluate = Object.assign(new Error(`peer error response: ${denied}`), { status: 500 });
    expect(fromFabricNetworkError(evaluate, 'evaluate')).toMatchObject({ kind: 'identity', stage: 'evaluate' });
    const submit = endorsementError([`peer=peer0.carrier, status=500, message=${denied}`], [{ status: 500, message: denied }]);
    expect(fromFabricNetworkError(submit, 'submit', TX)).toMatchObject({ kind: 'identity', txId: TX });
  });

  it('finds it in an evaluate failure ("peer error response: …")', () => {
    const err = Object.assign(new Error("peer error response: ASSET_NOT_FOUND: asset 'X' does not exist"), {
      status: 500,
    });
    expect(fromFabricNetworkError(err, 'evaluate', TX)).toMatchObject({
      kind: 'chaincode',
      code: 'ASSET_NOT_FOUND',
      chaincodeMessage: "asset 'X' does not exist",
    });
  });

  it('maps MVCC and phantom conflicts to a retryable conflict, other codes to invalid, with the transaction ID', () => {
    const mvcc = new TransactionError({
      message: `Commit of transaction ${TX} failed on peer0 with status MVCC_READ_CONFLICT`,
      transactionId: TX,
      transactionCode: 'MVCC_READ_CONFLICT',
    });
    expect(fromFabricNetworkError(mvcc, 'submit')).toMatchObject({
      kind: 'conflict',
      stage: 'commitStatus',
      txId: TX,
      validationCode: 'MVCC_READ_CONFLICT',
    });
    const phantom = new TransactionError({
      message: 'x',
      transactionId: TX,
      transactionCode: 'PHANTOM_READ_CONFLICT',
    });
    expect(fromFabricNetworkError(phantom, 'submit')).toMatchObject({
      kind: 'conflict',
      validationCode: 'PHANTOM_READ_CONFLICT',
    });
    const policy = new TransactionError({
      message: 'x',
      transactionId: TX,
      transactionCode: 'ENDORSEMENT_POLICY_FAILURE',
    });
    expect(fromFabricNetworkError(policy, 'submit')).toMatchObject({
      kind: 'invalid',
      validationCode: 'ENDORSEMENT_POLICY_FAILURE',
    });
  });

  it('maps a commit wait that timed out to a timeout at commitStatus, keeping the transaction ID', () => {
    const err = new TimeoutError({
      message: 'Event strategy not satisfied within the timeout period',
      transactionId: TX,
    });
    expect(fromFabricNetworkError(err, 'submit')).toMatchObject({
      kind: 'timeout',
      stage: 'commitStatus',
      txId: TX,
    });
  });

  it('maps unreachable peers to unavailable and an endorsement timeout to timeout', () => {
    expect(
      fromFabricNetworkError(
        new FabricError(
          'Query failed. Errors: ["Error: Failed to connect before the deadline on Endorser- name: peer0"]',
        ),
        'evaluate',
      ),
    ).toMatchObject({
      kind: 'unavailable',
    });
    expect(
      fromFabricNetworkError(
        endorsementError([
          'peer=peer0.carrier, status=grpc, message=14 UNAVAILABLE: No connection established',
        ]),
        'endorse',
        TX,
      ),
    ).toMatchObject({
      kind: 'unavailable',
      txId: TX,
    });
    // Connecting while the organisation's peer (its discovery service) is down.
    expect(
      fromFabricNetworkError(new Error('DiscoveryService has failed to return results'), 'endorse'),
    ).toMatchObject({
      kind: 'unavailable',
    });
    expect(
      fromFabricNetworkError(
        endorsementError(['peer=peer0.carrier, status=grpc, message=REQUEST TIMEOUT']),
        'endorse',
      ),
    ).toMatchObject({ kind: 'timeout' });
  });

  it("looks inside a discovery failure's endorsements: the organisation's peer down is unavailable, as with the Gateway", () => {
    const discovery = Object.assign(new Error('Endorsement has failed'), {
      endorsements: [
        Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
          connection: { name: 'peer0.manufacturer', url: 'grpcs://localhost:7070' },
        }),
      ],
    });
    const err = Object.assign(
      endorsementError(['peer=undefined, status=grpc, message=Endorsement has failed']),
      { errors: [discovery] },
    );
    expect(fromFabricNetworkError(err, 'submit', TX)).toMatchObject({
      kind: 'unavailable',
      txId: TX,
      details: [
        { address: '', message: 'Endorsement has failed' },
        { address: 'grpcs://localhost:7070', message: '14 UNAVAILABLE: No connection established' },
      ],
    });
    const chaincode = Object.assign(new Error('Endorsement has failed'), {
      endorsements: [
        { connection: { name: 'peer0.carrier' }, response: { status: 500, message: 'FORBIDDEN: no' } },
      ],
    });
    expect(
      fromFabricNetworkError(
        Object.assign(new Error('No valid responses from any peers.'), { errors: [chaincode] }),
        'submit',
      ),
    ).toMatchObject({ kind: 'chaincode', code: 'FORBIDDEN' });
  });

  it('maps refused endorsements without a chaincode code to an endorsement error, anything else to internal', () => {
    expect(
      fromFabricNetworkError(
        endorsementError([
          'peer=peer0.carrier, status=500, message=error in simulation: failed to execute transaction',
        ]),
        'endorse',
      ),
    ).toMatchObject({
      kind: 'endorsement',
    });
    const other = fromFabricNetworkError(new Error('something odd'), 'evaluate');
    expect(other).toBeInstanceOf(LedgerInternalError);
    expect(fromFabricNetworkError(other, 'submit')).toBe(other);
  });
});
