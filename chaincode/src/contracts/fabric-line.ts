/**
 * Which Fabric line the chaincode's peers run, and what follows from it. Set by the chaincode's
 * environment (`WAYBILL_FABRIC_LINE`, which the chaincode servers of the amb profile get) or, for
 * a package built with `waybill chaincode package --target fabric-2.2` (peers of AWS Managed
 * Blockchain start it themselves, so nothing can set its environment), by `fabric-line.json`
 * beside the package's entry point. Default: 2.5.
 *
 * - 2.5: MSPs with Node OUs, so key-level policies require a `PEER` of each organisation; private
 *   data is purged (current state and private history; needs the V2_5 application capability).
 * - 2.2 (AWS Managed Blockchain): admincerts MSPs without Node OUs cannot tell a peer from a
 *   client, so key-level policies require a `MEMBER` (as AMB's own policies do); there is no purge
 *   (V2_0 channels, a 2.2 shim), so private data is deleted: gone from the current state, the
 *   peers' private history keeps it until block-to-live, if any, removes it.
 */
import { existsSync, readFileSync } from 'fs';
import path from 'path';

export type FabricLine = '2.5' | '2.2';

function fromPackage(): FabricLine | undefined {
  const file = path.join(__dirname, '..', '..', 'fabric-line.json');
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { line?: unknown };
  return parsed.line === '2.2' ? '2.2' : parsed.line === '2.5' ? '2.5' : undefined;
}

let cached: FabricLine | undefined;

export function fabricLine(): FabricLine {
  if (cached) return cached;
  const env = process.env['WAYBILL_FABRIC_LINE'];
  if (env !== undefined && env !== '2.2' && env !== '2.5') {
    throw new Error(`WAYBILL_FABRIC_LINE must be 2.2 or 2.5, not '${env}'`);
  }
  cached = env ?? fromPackage() ?? '2.5';
  return cached;
}

/** For unit tests: forget the cached line so the environment is read again. */
export function resetFabricLine(): void {
  cached = undefined;
}

/** The MSP role a key-level policy requires of each organisation. */
export function endorserRole(): 'PEER' | 'MEMBER' {
  return fabricLine() === '2.2' ? 'MEMBER' : 'PEER';
}

/** Whether private data can be purged (else it is deleted). */
export function canPurgePrivateData(): boolean {
  return fabricLine() === '2.5';
}
