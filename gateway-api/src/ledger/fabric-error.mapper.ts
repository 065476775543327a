import { status as GrpcStatus } from '@grpc/grpc-js';
import { validationCodeName } from './block-decoder';
import {
  ChaincodeError,
  EndorsementError,
  extractChaincodeError,
  IdentityRefusedError,
  isCreatorRefusal,
  LedgerError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
} from './ledger.errors';
import type { LedgerCallKind } from './ledger.port';

/** The peer or orderer could not be reached, or shed the load. */
const UNAVAILABLE = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);
/** The Fabric Gateway's codes for "the peers would not endorse" (without a chaincode error). */
const REJECTED = new Set<number>([GrpcStatus.ABORTED, GrpcStatus.FAILED_PRECONDITION, GrpcStatus.UNKNOWN]);

/** What the mapper relies on in fabric-gateway's `GatewayError` (and its Endorse/Submit/CommitStatus subclasses). */
interface GatewayErrorShape extends Error {
  readonly code: number;
  readonly details: readonly { readonly address: string; readonly mspId: string; readonly message: string }[];
  readonly transactionId?: string;
}

/** What the mapper relies on in fabric-gateway's `CommitError`. */
interface CommitErrorShape extends Error {
  readonly code: number;
  readonly transactionId: string;
}

// Recognised by their documented properties rather than `instanceof`, so that this module does not
// load the SDK's entry point (and its crypto) — it also serves a Fabric 2.2 adapter's tests.
function isGatewayError(err: unknown): err is GatewayErrorShape {
  return (
    err instanceof Error &&
    typeof (err as Partial<GatewayErrorShape>).code === 'number' &&
    Array.isArray((err as Partial<GatewayErrorShape>).details)
  );
}

function isCommitError(err: unknown): err is CommitErrorShape {
  return (
    err instanceof Error &&
    err.name === 'CommitError' &&
    typeof (err as Partial<CommitErrorShape>).code === 'number'
  );
}

/**
 * Maps anything thrown by @hyperledger/fabric-gateway to the ledger error family.
 * The chaincode's code is taken from the peers' messages ("chaincode response 500, CODE: …"); the
 * gRPC status decides the rest.
 */
export function fromFabricGatewayError(err: unknown, stage: LedgerCallKind, txId?: string): LedgerError {
  if (err instanceof LedgerError) return err;
  if (isCommitError(err)) return fromValidationCode(err.code, err.transactionId, err.message);
  if (isGatewayError(err)) {
    const id = typeof err.transactionId === 'string' ? err.transactionId : txId;
    const details = err.details.map((d) => ({ address: d.address, mspId: d.mspId, message: d.message }));
    const base = { stage, txId: id, grpcCode: err.code, details, message: err.message, cause: err };
    const chaincode = extractChaincodeError([...details.map((d) => d.message), err.message]);
    if (chaincode)
      return new ChaincodeError({ ...base, code: chaincode.code, chaincodeMessage: chaincode.message });
    if (isCreatorRefusal([...details.map((d) => d.message), err.message])) return new IdentityRefusedError(base);
    if (UNAVAILABLE.has(err.code)) return new LedgerUnavailableError(base);
    if (err.code === (GrpcStatus.DEADLINE_EXCEEDED as number)) return new LedgerTimeoutError(base);
    if (REJECTED.has(err.code)) return new EndorsementError(base);
    return new LedgerInternalError(base);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LedgerInternalError({ stage, txId, message, cause: err });
}

/** The error for a transaction that committed with a validation code other than VALID. */
export function fromValidationCode(code: number, txId: string, message?: string): LedgerError {
  const validationCode = validationCodeName(code);
  const base = {
    stage: 'commitStatus' as const,
    txId,
    message: message ?? `transaction ${txId} committed as ${validationCode}`,
  };
  if (validationCode === 'MVCC_READ_CONFLICT' || validationCode === 'PHANTOM_READ_CONFLICT') {
    return new TransactionConflictError({ ...base, validationCode });
  }
  return new TransactionInvalidError({ ...base, validationCode });
}
