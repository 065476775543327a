import { Metadata, status } from '@grpc/grpc-js';
// The SDK's own error classes, from their modules: the entry point would load its ESM-only crypto.
import { CommitError } from '@hyperledger/fabric-gateway/dist/commiterror';
import { EndorseError } from '@hyperledger/fabric-gateway/dist/endorseerror';
import { GatewayError } from '@hyperledger/fabric-gateway/dist/gatewayerror';
import { fromFabricGatewayError, fromValidationCode } from './fabric-error.mapper';
import {
  ChaincodeError,
  EndorsementError,
  IdentityRefusedError,
  extractChaincodeError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
} from './ledger.errors';

const TX = 'a'.repeat(64);

function serviceError(code: status, details: string) {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

function gatewayError(
  code: status,
  message: string,
  details: { address: string; mspId: string; message: string }[] = [],
) {
  return new GatewayError({ code, message, details, cause: serviceError(code, message) });
}

describe('extractChaincodeError', () => {
  it('takes the code after "chaincode response N," and nothing from free text', () => {
    expect(
      extractChaincodeError([
        "evaluate call to endorser returned error: chaincode response 500, ASSET_NOT_FOUND: asset 'X' does not exist",
      ]),
    ).toEqual({ code: 'ASSET_NOT_FOUND', message: "asset 'X' does not exist" });
    expect(
      extractChaincodeError(['10 ABORTED: failed to endorse transaction, see attached details']),
    ).toBeUndefined();
  });
});

describe('fromFabricGatewayError', () => {
  it('maps an evaluate failure carrying a chaincode code to ChaincodeError', () => {
    const err = gatewayError(
      status.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, FORBIDDEN: role carrier may not createAsset',
    );
    expect(fromFabricGatewayError(err, 'evaluate', TX)).toMatchObject({
      kind: 'chaincode',
      name: 'ChaincodeError',
      stage: 'evaluate',
      txId: TX,
      code: 'FORBIDDEN',
      chaincodeMessage: 'role carrier may not createAsset',
      grpcCode: status.UNKNOWN,
    });
  });

  it('finds the chaincode code in the per-peer details of an endorsement failure', () => {
    const err = new EndorseError({
      code: status.ABORTED,
      message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
      transactionId: TX,
      details: [
        {
          address: 'peer0.carrier:9051',
          mspId: 'CarrierMSP',
          message: 'chaincode response 500, INVALID_TRANSITION: cannot acceptHandover',
        },
      ],
      cause: serviceError(status.ABORTED, 'failed to endorse'),
    });
    const mapped = fromFabricGatewayError(err, 'endorse');
    expect(mapped).toBeInstanceOf(ChaincodeError);
    expect(mapped).toMatchObject({
      stage: 'endorse',
      txId: TX,
      code: 'INVALID_TRANSITION',
      details: [
        {
          address: 'peer0.carrier:9051',
          mspId: 'CarrierMSP',
          message: 'chaincode response 500, INVALID_TRANSITION: cannot acceptHandover',
        },
      ],
    });
  });

  it("maps a peer's refusal of the creator (a revoked or expired certificate) to an identity refusal", () => {
    const denied = 'access denied: channel [supplychain] creator org [CarrierMSP]';
    const evaluate = fromFabricGatewayError(
      gatewayError(status.UNKNOWN, `evaluate call to endorser returned error: ${denied}`),
      'evaluate',
    );
    expect(evaluate).toBeInstanceOf(IdentityRefusedError);
    expect(evaluate).toMatchObject({ kind: 'identity', stage: 'evaluate' });
    const endorse = fromFabricGatewayError(
      gatewayError(status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        { address: 'peer0.carrier:7051', mspId: 'CarrierMSP', message: denied },
      ]),
      'endorse',
      TX,
    );
    expect(endorse).toMatchObject({ kind: 'identity', stage: 'endorse', txId: TX });
  });

  it.each([
    [status.UNAVAILABLE, LedgerUnavailableError, 'unavailable'],
    [status.CANCELLED, LedgerUnavailableError, 'unavailable'],
    [status.DEADLINE_EXCEEDED, LedgerTimeoutError, 'timeout'],
    [status.ABORTED, EndorsementError, 'endorsement'],
    [status.FAILED_PRECONDITION, EndorsementError, 'endorsement'],
    [status.PERMISSION_DENIED, LedgerInternalError, 'internal'],
  ])('maps gRPC status %i without a chaincode code by status', (code, type, kind) => {
    const mapped = fromFabricGatewayError(gatewayError(code, 'no chaincode text here'), 'endorse', TX);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toMatchObject({ kind, stage: 'endorse', txId: TX, grpcCode: code });
  });

  it('maps a commit with MVCC_READ_CONFLICT to a retryable conflict', () => {
    const err = new CommitError({
      code: 11,
      transactionId: TX,
      message: `Transaction ${TX} failed to commit with status code 11`,
    });
    expect(fromFabricGatewayError(err, 'submit')).toMatchObject({
      kind: 'conflict',
      validationCode: 'MVCC_READ_CONFLICT',
      stage: 'commitStatus',
      txId: TX,
      attempts: 1,
    });
  });

  it('wraps anything else without losing the cause', () => {
    const cause = new TypeError('boom');
    expect(fromFabricGatewayError(cause, 'evaluate')).toMatchObject({
      kind: 'internal',
      message: 'boom',
      cause,
    });
  });
});

describe('fromValidationCode', () => {
  it.each([
    [11, TransactionConflictError, 'MVCC_READ_CONFLICT'],
    [12, TransactionConflictError, 'PHANTOM_READ_CONFLICT'],
    [10, TransactionInvalidError, 'ENDORSEMENT_POLICY_FAILURE'],
    [255, TransactionInvalidError, 'INVALID_OTHER_REASON'],
  ])('code %i is %p with validation code %s', (code, type, validationCode) => {
    const mapped = fromValidationCode(code, TX);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toMatchObject({ validationCode, txId: TX, stage: 'commitStatus' });
  });
});
