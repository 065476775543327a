import { createPrivateKey } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { SigningIdentity } from './identity';
import { newNativeSigner } from '@waybill/fabric-signer';

function onlyFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
  const first = files[0];
  if (files.length !== 1 || first === undefined) throw new CliError(`expected one file in ${dir}, found ${files.length}`);
  return path.join(dir, first);
}

/**
 * Loads an identity from an MSP folder as Fabric lays it out (`signcerts/`, `keystore/`). The
 * signature is ECDSA with low-S normalisation, as Fabric requires.
 * @throws CliError when the folder lacks a certificate or key.
 */
export function loadIdentity(mspId: string, mspDir: string): SigningIdentity {
  let certificate: Buffer;
  let keyPem: Buffer;
  try {
    certificate = readFileSync(onlyFile(path.join(mspDir, 'signcerts')));
    keyPem = readFileSync(onlyFile(path.join(mspDir, 'keystore')));
  } catch (err) {
    throw new CliError(`cannot read the identity in ${mspDir}: ${(err as Error).message}`);
  }
  let sign: (message: Uint8Array) => Promise<Uint8Array>;
  try {
    sign = newNativeSigner(createPrivateKey(keyPem));
  } catch (err) {
    throw new CliError(`the key in ${mspDir} cannot sign: ${(err as Error).message}`);
  }
  return { mspId, certificate, sign };
}
