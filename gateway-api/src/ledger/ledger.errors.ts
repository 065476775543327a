import type { LedgerCallKind } from './ledger.port';

/** A peer's own account of a failure, for logs only: never sent to API clients. */
export interface LedgerErrorDetail {
  readonly address: string;
  readonly mspId: string;
  readonly message: string;
}

interface LedgerErrorProperties {
  readonly stage: LedgerCallKind;
  readonly txId?: string | undefined;
  readonly message: string;
  readonly grpcCode?: number | undefined;
  readonly details?: readonly LedgerErrorDetail[];
  readonly cause?: unknown;
}

/**
 * Base of every error a ledger adapter throws. `kind` is the discriminant that the HTTP layer maps
 * to a status; `message` and `details` may carry peer internals and are logged, never returned.
 */
export abstract class LedgerError extends Error {
  abstract readonly kind:
    | 'chaincode'
    | 'conflict'
    | 'invalid'
    | 'endorsement'
    | 'identity'
    | 'unavailable'
    | 'timeout'
    | 'internal';
  readonly stage: LedgerCallKind;
  readonly txId: string | undefined;
  readonly grpcCode: number | undefined;
  readonly details: readonly LedgerErrorDetail[];

  constructor(properties: LedgerErrorProperties) {
    super(properties.message, properties.cause === undefined ? undefined : { cause: properties.cause });
    this.name = new.target.name;
    this.stage = properties.stage;
    this.txId = properties.txId;
    this.grpcCode = properties.grpcCode;
    this.details = properties.details ?? [];
  }
}

/** The chaincode rejected the call with a coded error (`FORBIDDEN: …`). */
export class ChaincodeError extends LedgerError {
  readonly kind = 'chaincode';
  /** The chaincode's stable code, e.g. `ASSET_NOT_FOUND`. */
  readonly code: string;
  /** The chaincode's message after the code: written by our chaincode, free of personal data. */
  readonly chaincodeMessage: string;

  constructor(properties: LedgerErrorProperties & { code: string; chaincodeMessage: string }) {
    super(properties);
    this.code = properties.code;
    this.chaincodeMessage = properties.chaincodeMessage;
  }
}

/** The transaction was invalidated by an MVCC or phantom read conflict: a new transaction may succeed. */
export class TransactionConflictError extends LedgerError {
  readonly kind = 'conflict';
  readonly validationCode: 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT';
  /** Filled in by the retrying caller: how many transactions were tried. */
  attempts = 1;

  constructor(
    properties: LedgerErrorProperties & { validationCode: 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT' },
  ) {
    super(properties);
    this.validationCode = properties.validationCode;
  }
}

/** The transaction committed as invalid for another reason (`ENDORSEMENT_POLICY_FAILURE`…). */
export class TransactionInvalidError extends LedgerError {
  readonly kind = 'invalid';
  readonly validationCode: string;

  constructor(properties: LedgerErrorProperties & { validationCode: string }) {
    super(properties);
    this.validationCode = properties.validationCode;
  }
}

/** Endorsement failed without a chaincode error: mismatched results, no endorser for an organisation… */
export class EndorsementError extends LedgerError {
  readonly kind = 'endorsement';
}

/**
 * The peers refused the transaction's creator ("access denied"): its certificate is revoked (the
 * organisation's CRL in the channel lists it), expired, or not issued by a channel member's CA.
 */
export class IdentityRefusedError extends LedgerError {
  readonly kind = 'identity';
}

/** No peer (or orderer) could be reached. */
export class LedgerUnavailableError extends LedgerError {
  readonly kind = 'unavailable';
}

/** A deadline expired. When `stage` is `commitStatus`, the transaction may still commit. */
export class LedgerTimeoutError extends LedgerError {
  readonly kind = 'timeout';
}

/** Anything else: a bug, a misconfiguration, an unexpected peer answer. */
export class LedgerInternalError extends LedgerError {
  readonly kind = 'internal';
}

/**
 * Whether a failed write surely had no effect on the ledger: refused at endorsement, or committed
 * invalid. Any other failure after the transaction went to the orderer (a timeout, a lost
 * connection, a crash) leaves its outcome unknown: settle it by commit status, never guess.
 */
export function outcomeKnown(err: unknown): boolean {
  return err instanceof LedgerError && ['chaincode', 'conflict', 'invalid', 'endorsement'].includes(err.kind);
}

/** Every concrete ledger error. */
export type AnyLedgerError =
  | ChaincodeError
  | TransactionConflictError
  | TransactionInvalidError
  | EndorsementError
  | IdentityRefusedError
  | LedgerUnavailableError
  | LedgerTimeoutError
  | LedgerInternalError;

/**
 * A peer's refusal of the proposal's creator, as Fabric words it (the reason — revoked, expired,
 * unknown CA — is only in the peer's log): "access denied: channel [ch] creator org [Org1MSP]".
 */
export function isCreatorRefusal(messages: readonly string[]): boolean {
  return messages.some((m) => /\baccess denied\b/i.test(m));
}

const CHAINCODE_ERROR = /chaincode response \d+, ([A-Z][A-Z0-9_]{1,63}): ?([^]*)$/;

/**
 * Finds the chaincode's coded error in gateway/peer messages ("…chaincode response 500, FORBIDDEN: …").
 * Only the code token is matched, never free text.
 */
export function extractChaincodeError(
  messages: readonly string[],
): { code: string; message: string } | undefined {
  for (const m of messages) {
    const match = CHAINCODE_ERROR.exec(m);
    if (match?.[1] !== undefined) return { code: match[1], message: (match[2] ?? '').trim() };
  }
  return undefined;
}
