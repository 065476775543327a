import { hash, signers } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { WaybillError } from '../common/errors';
import type { SigningIdentity } from './identity';

function onlyFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
  const first = files[0];
  if (files.length !== 1 || first === undefined) throw new WaybillError(`expected one file in ${dir}, found ${files.length}`);
  return path.join(dir, first);
}

/**
 * Loads an identity from an MSP folder as Fabric lays it out (`signcerts/`, `keystore/`). The
 * signer is fabric-gateway's (ECDSA with low-S normalisation), the one every Fabric client uses.
 * @throws WaybillError when the folder lacks a certificate or key.
 */
export function loadIdentity(mspId: string, mspDir: string): SigningIdentity {
  let certificate: Buffer;
  let keyPem: Buffer;
  try {
    certificate = readFileSync(onlyFile(path.join(mspDir, 'signcerts')));
    keyPem = readFileSync(onlyFile(path.join(mspDir, 'keystore')));
  } catch (err) {
    throw new WaybillError(`cannot read the identity in ${mspDir}: ${(err as Error).message}`);
  }
  const signer = signers.newPrivateKeySigner(createPrivateKey(keyPem));
  return {
    mspId,
    certificate,
    sign: (message) => signer(hash.sha256(message)),
  };
}
