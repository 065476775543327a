/**
 * An error the `waybill` CLI reports as one line and a non-zero exit, without a stack trace (the
 * chaincode's own error type, with a stable code, is `WaybillError` in @waybill/chaincode).
 * `step` names what was being done; `detail` may carry log lines to show after the message.
 */
export class CliError extends Error {
  readonly step: string | undefined;
  readonly detail: string | undefined;

  constructor(message: string, options: { step?: string; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.step = options.step;
    this.detail = options.detail;
  }
}
