import { common } from '@hyperledger/fabric-protos';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSignaturePolicy } from '../fabric/policy';
import { newProposal, proposalPayload } from '../fabric/proposal';
import {
  LIFECYCLE,
  approveArgs,
  checkCommitReadinessArgs,
  commitArgs,
  installArgs,
  queryApprovedArgs,
  queryCommittedArgs,
  type ChaincodeDefinition,
} from './lifecycle';
import { packageId, packageMetadata } from './package-id';

// Golden files made by Fabric's own `peer` 2.5.9 for the same inputs (infra/scripts/make-lifecycle-golden.js).
const dir = path.join(__dirname, 'golden');
const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as {
  packageId: string;
  policy: string;
  headers: Record<string, { type: number; version: number; channelId: string; epoch: number; extension: string }>;
};
const bytes = (name: string): Buffer => readFileSync(path.join(dir, `${name}.payload.bin`));
const pkg = readFileSync(path.join(dir, 'golden_1.tar.gz'));
const def: ChaincodeDefinition = { channel: 'supplychain', name: 'waybill', version: 'v1', sequence: 3, signaturePolicy: golden.policy };
const payload = (fn: string, arg: Uint8Array, channel = 'supplychain'): Buffer =>
  Buffer.from(proposalPayload({ channel, chaincode: LIFECYCLE, fn, args: [arg] }));

describe('chaincode package ID', () => {
  it('is the one `peer lifecycle chaincode calculatepackageid` prints for a package `peer` made', () => {
    expect(packageId(pkg)).toBe(golden.packageId);
    expect(packageMetadata(pkg)).toEqual({ label: 'golden_1', type: 'node', path: expect.any(String) as string });
  });

  it('refuses a file that is not a chaincode package', () => {
    expect(() => packageId(Buffer.from('not a package'))).toThrow(/not a chaincode package/);
  });
});

describe('_lifecycle proposals, byte for byte as the peer CLI sends them', () => {
  it.each([
    ['install', () => payload('InstallChaincode', installArgs(pkg), '')],
    ['queryinstalled', () => payload('QueryInstalledChaincodes', new Uint8Array(), '')],
    ['approve', () => payload('ApproveChaincodeDefinitionForMyOrg', approveArgs({ ...def, packageId: golden.packageId }))],
    ['approve-unavailable', () => payload('ApproveChaincodeDefinitionForMyOrg', approveArgs(def))],
    ['checkcommitreadiness', () => payload('CheckCommitReadiness', checkCommitReadinessArgs(def))],
    ['commit', () => payload('CommitChaincodeDefinition', commitArgs(def))],
    ['querycommitted', () => payload('QueryChaincodeDefinition', queryCommittedArgs('waybill'))],
    ['queryapproved', () => payload('QueryApprovedChaincodeDefinition', queryApprovedArgs('waybill', 3))],
  ])('%s', (name, build) => {
    expect(build().toString('hex')).toBe(bytes(name).toString('hex'));
  });

  it.each([
    ['install', ''],
    ['approve', 'supplychain'],
    ['commit', 'supplychain'],
  ])('%s has the header fields `peer` sets', (name, channel) => {
    const id = { mspId: 'SampleOrg', certificate: Buffer.from('-----BEGIN CERTIFICATE-----\n') };
    const { proposal, txId } = newProposal(id, { channel, chaincode: LIFECYCLE, fn: 'X' });
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    expect({
      type: ch.getType(),
      version: ch.getVersion(),
      channelId: ch.getChannelId(),
      epoch: ch.getEpoch(),
      extension: Buffer.from(ch.getExtension_asU8()).toString('base64'),
    }).toEqual(golden.headers[name]);
    expect(ch.getTxId()).toBe(txId);
    const sh = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    expect(sh.getNonce_asU8()).toHaveLength(24);
  });
});

describe('signature policies', () => {
  it('refuses malformed policies with a reason', () => {
    expect(() => parseSignaturePolicy("OR('A.peer'")).toThrow(/expected "\)"/);
    expect(() => parseSignaturePolicy("OR('A.boss')")).toThrow(/is not MSPID.role/);
    expect(() => parseSignaturePolicy("OutOf(4, 'A.peer', 'B.peer')")).toThrow(/not satisfiable/);
    expect(() => parseSignaturePolicy("OR('A.peer') junk")).toThrow(/unexpected/);
  });

  it('accepts lower-case gates as Fabric does', () => {
    expect(parseSignaturePolicy("or('A.peer','B.peer')").serializeBinary()).toEqual(
      parseSignaturePolicy("OR('A.peer', 'B.peer')").serializeBinary(),
    );
  });
});
