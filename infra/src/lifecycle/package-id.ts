import { createHash } from 'node:crypto';
import { CliError } from '../common/errors';
import { readTar } from '../common/tar';

/** What a chaincode package's metadata.json says. */
export interface PackageMetadata {
  readonly label: string;
  readonly type: string;
  readonly path: string;
}

/**
 * The metadata of a chaincode package (a tar.gz holding metadata.json and code.tar.gz).
 * @throws CliError when the file is not a chaincode package or its label is not one the
 * peer accepts.
 */
export function packageMetadata(pkg: Buffer): PackageMetadata {
  let meta: Partial<PackageMetadata> | undefined;
  try {
    const entry = readTar(pkg).find((e) => e.name === 'metadata.json');
    meta = entry ? (JSON.parse(entry.content.toString('utf8')) as Partial<PackageMetadata>) : undefined;
  } catch (err) {
    throw new CliError(`not a chaincode package (tar.gz): ${(err as Error).message}`);
  }
  if (!meta) throw new CliError('not a chaincode package: it has no metadata.json');
  const label = meta.label ?? '';
  // The peer's rule for labels (core/chaincode/persistence/chaincode_package.go).
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(label)) {
    throw new CliError(`chaincode package label "${label}" is invalid: letters, digits, _ . + - only, starting with a letter or digit`);
  }
  return { label, type: meta.type ?? '', path: meta.path ?? '' };
}

/** The package ID exactly as a Fabric peer computes it: `label:hex(SHA-256(package bytes))`. */
export function packageId(pkg: Buffer): string {
  return `${packageMetadata(pkg).label}:${createHash('sha256').update(pkg).digest('hex')}`;
}
