import { InvalidArgumentError } from 'commander';

/** Parses a TCP base port flag (or its environment fallback). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1024 || n > 60000) {
    throw new InvalidArgumentError(`"${value}" is not a port between 1024 and 60000`);
  }
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

/** Reads a boolean environment variable: 1/true/yes or 0/false/no; anything else is an error. */
export function envBool(name: string): boolean | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new InvalidArgumentError(`${name}="${v}" must be 1/true/yes or 0/false/no`);
}
