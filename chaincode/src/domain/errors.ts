import { ERROR_CODES, type ErrorCode } from '../constants';

/**
 * The only error type the chaincode throws on purpose. Its message starts with the stable code
 * (`"FORBIDDEN: ..."`) because the peer relays only the message to clients.
 */
export class WaybillError extends Error {
  /** The stable code, also the message prefix. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'WaybillError';
    this.code = code;
  }

  /**
   * The message alone, code first. The 2.2 shim hands the peer `'' + error` (2.5's hands it
   * `error.message`), so without this the 2.2 line would answer "WaybillError: CODE: …".
   */
  override toString(): string {
    return this.message;
  }

  /** `INVALID_ARGUMENT`: malformed or out-of-range input. */
  static invalidArgument(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.INVALID_ARGUMENT, detail);
  }

  /** `ASSET_NOT_FOUND`. */
  static assetNotFound(assetId: string): WaybillError {
    return new WaybillError(ERROR_CODES.ASSET_NOT_FOUND, `asset '${assetId}' does not exist`);
  }

  /** `ASSET_EXISTS`. */
  static assetExists(assetId: string): WaybillError {
    return new WaybillError(ERROR_CODES.ASSET_EXISTS, `asset '${assetId}' already exists`);
  }

  /** `FORBIDDEN`: the detail names the missing role or organisation relationship. */
  static forbidden(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.FORBIDDEN, detail);
  }

  /** `INVALID_TRANSITION`. */
  static invalidTransition(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.INVALID_TRANSITION, detail);
  }

  /** `CONFLICT`. */
  static conflict(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.CONFLICT, detail);
  }

  /** `LIMIT_EXCEEDED`. */
  static limitExceeded(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.LIMIT_EXCEEDED, detail);
  }

  /** `INTERNAL`: deployment or ledger inconsistency. */
  static internal(detail: string): WaybillError {
    return new WaybillError(ERROR_CODES.INTERNAL, detail);
  }
}
