import { ERROR_CODES, type ErrorCode } from '@waybill/chaincode/constants';

/** How one error code is presented over HTTP. */
export interface ProblemSpec {
  readonly status: number;
  readonly title: string;
  /** The same request may succeed later (after `Retry-After` when given). */
  readonly retryable: boolean;
}

const spec = (status: number, title: string, retryable = false): ProblemSpec => ({
  status,
  title,
  retryable,
});

/**
 * Chaincode error codes → HTTP. Typed as a record over the chaincode's `ErrorCode`, so a code added
 * to the chaincode without a mapping here fails the build.
 */
export const CHAINCODE_PROBLEMS: Readonly<Record<ErrorCode, ProblemSpec>> = {
  INVALID_ARGUMENT: spec(422, 'The ledger rejected the input'),
  ASSET_NOT_FOUND: spec(404, 'Asset not found'),
  ASSET_EXISTS: spec(409, 'Asset already exists'),
  DOCUMENT_NOT_FOUND: spec(404, 'Document not found'),
  PERSONAL_DATA_REF_NOT_FOUND: spec(404, 'Personal-data reference not found'),
  RECALL_NOT_FOUND: spec(404, 'Recall not found'),
  INVALID_TRANSITION: spec(409, 'Action not allowed in the asset’s current status'),
  FORBIDDEN: spec(403, 'Forbidden by the ledger’s access rules'),
  CONFLICT: spec(409, 'Conflicts with the asset’s pending handover or sale'),
  LIMIT_EXCEEDED: spec(422, 'A ledger limit was reached'),
  TERMS_MISMATCH: spec(409, 'Buyer and seller recorded different terms'),
  TERMS_MISSING: spec(409, 'Sale terms are missing'),
  INTERNAL: spec(500, 'Internal error'),
};

/** Codes produced by the gateway itself. */
export const GATEWAY_PROBLEMS = {
  VALIDATION_FAILED: spec(400, 'Request validation failed'),
  MALFORMED_REQUEST: spec(400, 'Malformed request'),
  BODY_TOO_LARGE: spec(413, 'Request body too large'),
  UNSUPPORTED_MEDIA_TYPE: spec(415, 'Unsupported media type'),
  ROUTE_NOT_FOUND: spec(404, 'No such endpoint'),
  AUTH_REQUIRED: spec(401, 'Authentication required'),
  API_KEY_INVALID: spec(401, 'Invalid API key'),
  API_KEY_REVOKED: spec(401, 'API key revoked'),
  API_KEY_EXPIRED: spec(401, 'API key expired'),
  METHOD_NOT_ALLOWED: spec(405, 'Method not allowed on this endpoint'),
  TOO_MANY_STREAMS: spec(429, 'Too many event streams open for this API key', true),
  STREAMS_EXHAUSTED: spec(503, 'The gateway serves as many event streams as it may', true),
  WEBHOOK_DESTINATION_FORBIDDEN: spec(400, 'Webhook destination not allowed'),
  WEBHOOK_LIMIT_REACHED: spec(409, 'The organisation holds as many webhook subscriptions as it may'),
  RECONCILE_RUNNING: spec(409, 'A reconciliation is running already', true),
  IDENTITY_UNAVAILABLE: spec(403, 'The API key’s identity is not available on this gateway'),
  IDENTITY_REFUSED: spec(403, 'The ledger refused the API key’s identity'),
  ROLE_FORBIDDEN: spec(403, 'The API key’s role may not use this endpoint'),
  SESSION_EXPIRED: spec(401, 'Console session expired: sign in again'),
  CONSOLE_HEADER_REQUIRED: spec(403, 'A write with the console session needs the console’s header'),
  API_KEY_NOT_FOUND: spec(404, 'API key not found'),
  IDENTITY_UNKNOWN: spec(422, 'Unknown identity'),
  IDENTITY_NOT_GRANTABLE: spec(403, 'Keys of this identity are not handed out over the API'),
  RATE_LIMITED: spec(429, 'Too many requests', true),
  IDEMPOTENCY_KEY_INVALID: spec(400, 'Invalid Idempotency-Key'),
  IDEMPOTENCY_KEY_REUSED: spec(422, 'Idempotency-Key reused with a different request'),
  IDEMPOTENCY_KEY_IN_PROGRESS: spec(409, 'A request with this Idempotency-Key is in progress', true),
  TRANSACTION_NOT_FOUND: spec(404, 'Transaction not found'),
  PERSONAL_DATA_NOT_FOUND: spec(404, 'No such personal data (or it was erased)'),
  CATEGORY_FORBIDDEN: spec(403, 'The API key’s role may not access this category of personal data'),
  PERSONAL_DATA_CONFLICT: spec(409, 'The personal-data record changed meanwhile', true),
  EVENT_NOT_FOUND: spec(404, 'Event not found'),
  WEBHOOK_NOT_FOUND: spec(404, 'Webhook subscription not found'),
  DELIVERY_NOT_FOUND: spec(404, 'Webhook delivery not found'),
  SINK_NOT_FOUND: spec(404, 'Event sink not found'),
  DEAD_LETTER_NOT_FOUND: spec(404, 'The sink has no dead letter of this event'),
  SINK_UNAVAILABLE: spec(503, 'The sink’s bus could not be reached', true),
  FUNCTION_NOT_FOUND: spec(404, 'Function not found'),
  EVENTS_DISABLED: spec(503, 'Event processing is switched off on this gateway'),
  TRANSACTION_CONFLICT: spec(409, 'Concurrent update: transaction invalidated by a read conflict', true),
  ENDORSEMENT_POLICY_FAILURE: spec(502, 'The transaction did not satisfy the endorsement policy'),
  TRANSACTION_INVALID: spec(502, 'The transaction was committed as invalid'),
  ENDORSEMENT_FAILED: spec(502, 'The peers could not endorse the transaction'),
  CHAINCODE_ERROR: spec(500, 'Unexpected ledger error'),
  LEDGER_UNAVAILABLE: spec(503, 'Ledger unavailable', true),
  SERVICE_UNAVAILABLE: spec(503, 'Service unavailable', true),
  LEDGER_TIMEOUT: spec(504, 'Ledger timeout', true),
  MIN_BLOCK_NOT_REACHED: spec(503, 'This organisation does not hold the requested block yet (X-Min-Block)', true),
  // Not retryable: the transaction may still commit; poll its status instead of sending it again.
  COMMIT_TIMEOUT: spec(504, 'Transaction submitted; its commit was not confirmed in time'),
  INTERNAL_ERROR: spec(500, 'Internal error'),
} as const satisfies Record<string, ProblemSpec>;

/** A code that can appear in a problem's `code` member. */
export type ProblemCode = keyof typeof GATEWAY_PROBLEMS | Exclude<ErrorCode, 'INTERNAL'>;

/** Every problem code with its presentation (the chaincode's INTERNAL is reported as INTERNAL_ERROR). */
export const PROBLEMS: Readonly<Record<ProblemCode, ProblemSpec>> = (() => {
  const { INTERNAL: _internal, ...chaincode } = CHAINCODE_PROBLEMS;
  return { ...chaincode, ...GATEWAY_PROBLEMS };
})();

/** Stable `type` URI of a problem code: `urn:waybill:problem:asset-not-found`. */
export function problemType(code: ProblemCode): string {
  return `urn:waybill:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Is this string one of the chaincode's error codes? */
export function isChaincodeCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** A field-level validation failure. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Extension members a problem may carry besides the RFC 9457 ones. */
export interface ProblemExtensions {
  txId?: string;
  attempts?: number;
  validationCode?: string;
  errors?: readonly FieldError[];
}

/** The RFC 9457 body the gateway returns (`application/problem+json`). */
export interface ProblemDocument extends ProblemExtensions {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  code: ProblemCode;
  correlationId: string;
  retryable: boolean;
}

/**
 * An error the gateway reports as a problem. Throw it from services and guards; the global filter
 * renders it.
 */
export class ProblemException extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extensions: ProblemExtensions = {},
    readonly headers: Readonly<Record<string, string>> = {},
    /** Overrides the code's usual status (e.g. TERMS_MISSING on a read is 404). */
    readonly statusOverride?: number,
  ) {
    super(detail ?? PROBLEMS[code].title);
    this.name = 'ProblemException';
  }

  get status(): number {
    return this.statusOverride ?? PROBLEMS[this.code].status;
  }
}
