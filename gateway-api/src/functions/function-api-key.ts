import { readFileSync } from 'node:fs';
import type { FunctionBinding } from './function-binding';

/**
 * The variables a binding may name in `apiKeyEnv`: a namespace of their own, so a binding file can
 * never hand a function one of the gateway's own secrets (`WAYBILL_PD_KEK`, `DATABASE_URL`,
 * `AWS_SECRET_ACCESS_KEY`, …) as its API key. `_FILE` is reserved for the file variant.
 */
export const API_KEY_ENV = /^WAYBILL_FN_[A-Z0-9_]{1,100}$/;

/** A function's API key could not be found or read; the message names where, never the key. */
export class FunctionApiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionApiKeyError';
  }
}

/**
 * The function's own API key — from the gateway's environment, never from the binding file (which
 * is committed and packaged): the variable the binding names in `apiKeyEnv`, or the file named by
 * `<apiKeyEnv>_FILE` (a mounted secret: Docker or Kubernetes secrets, systemd credentials), its
 * surrounding whitespace ignored. Undefined when the binding names no variable (the function does
 * not act on the ledger), or when neither is set and `required` is false (`functions test`).
 * @throws {@link FunctionApiKeyError} when neither (and `required`) or both are set, the file cannot
 *   be read, or the key is empty or more than one line.
 */
export function functionApiKey(
  binding: Pick<FunctionBinding, 'name' | 'apiKeyEnv'>,
  options: {
    readonly required?: boolean;
    readonly env?: NodeJS.ProcessEnv;
    readonly read?: (file: string) => string;
  } = {},
): string | undefined {
  const env = options.env ?? process.env;
  const read = options.read ?? ((file: string) => readFileSync(file, 'utf8'));
  const name = binding.apiKeyEnv;
  if (name === null) return undefined;
  const fileVar = `${name}_FILE`;
  const direct = env[name];
  const file = env[fileVar];
  const where = `function ${binding.name}: its API key`;
  if (direct && file) throw new FunctionApiKeyError(`${where}: set ${name} or ${fileVar}, not both`);
  let key: string;
  if (direct) {
    key = direct.trim();
  } else if (file) {
    try {
      key = read(file).trim();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new FunctionApiKeyError(
        `${where}: ${fileVar} names ${file}, which cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
  } else {
    if (options.required === false) return undefined;
    throw new FunctionApiKeyError(`${where}: neither ${name} nor ${fileVar} (a file holding it) is set`);
  }
  if (key === '') throw new FunctionApiKeyError(`${where}: ${direct ? name : fileVar} holds an empty key`);
  if (/\s/.test(key))
    throw new FunctionApiKeyError(`${where}: ${direct ? name : fileVar} must hold one key on one line`);
  return key;
}
