import {
  ChaincodeError,
  EndorsementError,
  IdentityRefusedError,
  isCreatorRefusal,
  LedgerError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
  type LedgerErrorDetail,
} from './ledger.errors';
import type { LedgerCallKind } from './ledger.port';

/**
 * Maps what the Fabric 2.2 SDK (`fabric-network`/`fabric-common` 2.2) throws to the ledger error
 * family, with the same outcome as the Gateway adapter's mapper for the same failure.
 *
 * The 2.2 SDK's errors are plain `Error`s whose message lists each peer's answer
 * ("peer=…, status=500, message=FORBIDDEN: …"; "peer error response: FORBIDDEN: …" for a query),
 * plus `TransactionError` (`transactionCode`: the validation code) and `TimeoutError`. The
 * chaincode's code is taken from the peers' answers by its token only, never by free text.
 */
export function fromFabricNetworkError(err: unknown, stage: LedgerCallKind, txId?: string): LedgerError {
  if (err instanceof LedgerError) return err;
  const e = (err ?? {}) as {
    name?: string;
    message?: string;
    transactionCode?: string;
    transactionId?: string;
    status?: number;
    responses?: readonly {
      connection?: { name?: string };
      response?: { status?: number; message?: string };
    }[];
    errors?: readonly PeerFailure[];
  };
  const message = e.message ?? String(err);
  const id = typeof e.transactionId === 'string' && e.transactionId ? e.transactionId : txId;
  const details: LedgerErrorDetail[] = [
    ...(e.responses ?? []).map((r) => ({
      address: r.connection?.name ?? '',
      mspId: '',
      message: r.response?.message ?? '',
    })),
    ...(e.errors ?? []).flatMap(failureDetails),
  ];
  const base = { stage, txId: id, message, details, cause: err };

  if (typeof e.transactionCode === 'string' && e.transactionCode) {
    const validationCode = e.transactionCode;
    const commit = { ...base, stage: 'commitStatus' as const };
    if (validationCode === 'MVCC_READ_CONFLICT' || validationCode === 'PHANTOM_READ_CONFLICT') {
      return new TransactionConflictError({ ...commit, validationCode });
    }
    return new TransactionInvalidError({ ...commit, validationCode });
  }
  if (e.name === 'TimeoutError') return new LedgerTimeoutError({ ...base, stage: 'commitStatus' });

  const chaincode = chaincodeErrorIn([message, ...details.map((d) => d.message)]);
  if (chaincode)
    return new ChaincodeError({ ...base, code: chaincode.code, chaincodeMessage: chaincode.message });
  // The peers' own words count too: with discovery, "Endorsement has failed" carries them inside.
  const all = [message, ...details.map((d) => d.message)].join('\n');
  if (isCreatorRefusal([all])) return new IdentityRefusedError(base);
  if (/REQUEST[ _]TIMEOUT|DEADLINE_EXCEEDED|deadline exceeded|timed? ?out/i.test(all))
    return new LedgerTimeoutError(base);
  if (
    /UNAVAILABLE|Failed to connect|ECONNREFUSED|No connection established|not connected|Query failed|No responses returned|Missing response|DiscoveryService has failed to return results|^DiscoveryService: /im.test(
      all,
    )
  ) {
    return new LedgerUnavailableError(base);
  }
  if (/No valid responses from any peers|endorsement|ENDORSEMENT_MISMATCH|policy/i.test(message))
    return new EndorsementError(base);
  return new LedgerInternalError(base);
}

/** A peer's failed answer as the 2.2 SDK hands it over; a discovery failure nests the endorsements. */
interface PeerFailure {
  readonly connection?: { readonly name?: string; readonly url?: string };
  readonly message?: string;
  readonly response?: { readonly status?: number; readonly message?: string };
  readonly endorsements?: readonly PeerFailure[];
}

function failureDetails(f: PeerFailure): LedgerErrorDetail[] {
  const own = {
    address: f.connection?.url ?? f.connection?.name ?? '',
    mspId: '',
    message: f.response?.message ?? f.message ?? '',
  };
  return [own, ...(f.endorsements ?? []).flatMap(failureDetails)];
}

// "message=CODE: text" (submit: one line per peer) or "peer error response: CODE: text" (evaluate),
// or a bare "CODE: text" that a peer sent as its response message. A 2.2 shim (the chaincode
// package built for AMB's peers) reports a failed transaction as an ERROR message, which a 2.2
// peer words "error in simulation: transaction returned with failure: CODE: text".
const CHAINCODE_ERROR =
  /(?:message=|peer error response: |^)(?:error in simulation: )?(?:transaction returned with failure: )?([A-Z][A-Z0-9_]{1,63}): ?(.*)$/m;

/** Codes that are not the chaincode's: Fabric's own and gRPC's status names. */
const NOT_CHAINCODE = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'UNKNOWN',
  'INTERNAL',
  'RESOURCE_EXHAUSTED',
  'REQUEST_TIMEOUT',
]);

function chaincodeErrorIn(messages: readonly string[]): { code: string; message: string } | undefined {
  for (const m of messages) {
    for (const line of m.split('\n')) {
      const match = CHAINCODE_ERROR.exec(line.trim());
      if (match?.[1] !== undefined && !NOT_CHAINCODE.has(match[1]))
        return { code: match[1], message: (match[2] ?? '').trim() };
    }
  }
  return undefined;
}
