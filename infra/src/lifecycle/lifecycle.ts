import { peer } from '@hyperledger/fabric-protos';
import { lifecycle } from '@hyperledger/fabric-protos/lib/peer';
import { CliError } from '../common/errors';
import { CommitWatcher, EndorsementError, broadcast, processProposal, type Endpoint, type PeerEndpoint } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { parseSignaturePolicy } from '../fabric/policy';
import { newProposal, newTransactionEnvelope, signProposal } from '../fabric/proposal';

/** The system chaincode that runs the lifecycle on every peer. */
export const LIFECYCLE = '_lifecycle';

/** A chaincode definition as organisations approve and commit it on a channel. */
export interface ChaincodeDefinition {
  readonly channel: string;
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  /** Endorsement policy in Fabric's signature policy language; absent: the channel's default. */
  readonly signaturePolicy?: string;
  readonly initRequired?: boolean;
  readonly collections?: peer.CollectionConfigPackage;
}

/** Approval for one organisation: the definition and the package its peers run ('' = none). */
export interface Approval extends ChaincodeDefinition {
  readonly packageId?: string;
}

export interface InstalledChaincode {
  readonly packageId: string;
  readonly label: string;
}

export interface CommittedDefinition {
  readonly sequence: number;
  readonly version: string;
  readonly approvals: Record<string, boolean>;
}

type DefinitionArgs = lifecycle.ApproveChaincodeDefinitionForMyOrgArgs | lifecycle.CommitChaincodeDefinitionArgs | lifecycle.CheckCommitReadinessArgs;

function fillDefinition<T extends DefinitionArgs>(args: T, def: ChaincodeDefinition): T {
  if (!def.name) throw new CliError('a chaincode definition needs a name');
  if (!def.version) throw new CliError('a chaincode definition needs a version');
  if (!Number.isInteger(def.sequence) || def.sequence < 1) throw new CliError(`sequence must be a positive integer, not ${def.sequence}`);
  args.setSequence(def.sequence);
  args.setName(def.name);
  args.setVersion(def.version);
  if (def.signaturePolicy) {
    const app = new peer.ApplicationPolicy();
    app.setSignaturePolicy(parseSignaturePolicy(def.signaturePolicy));
    args.setValidationParameter(app.serializeBinary());
  }
  if (def.initRequired) args.setInitRequired(true);
  if (def.collections) args.setCollections(def.collections);
  return args;
}

/** `ApproveChaincodeDefinitionForMyOrg` arguments, as `peer lifecycle chaincode approveformyorg` builds them. */
export function approveArgs(a: Approval): Uint8Array {
  const args = fillDefinition(new lifecycle.ApproveChaincodeDefinitionForMyOrgArgs(), a);
  const source = new lifecycle.ChaincodeSource();
  if (a.packageId) {
    const local = new lifecycle.ChaincodeSource.Local();
    local.setPackageId(a.packageId);
    source.setLocalPackage(local);
  } else {
    source.setUnavailable(new lifecycle.ChaincodeSource.Unavailable());
  }
  args.setSource(source);
  return args.serializeBinary();
}

export function commitArgs(def: ChaincodeDefinition): Uint8Array {
  return fillDefinition(new lifecycle.CommitChaincodeDefinitionArgs(), def).serializeBinary();
}

export function checkCommitReadinessArgs(def: ChaincodeDefinition): Uint8Array {
  return fillDefinition(new lifecycle.CheckCommitReadinessArgs(), def).serializeBinary();
}

export function installArgs(pkg: Uint8Array): Uint8Array {
  const a = new lifecycle.InstallChaincodeArgs();
  a.setChaincodeInstallPackage(pkg);
  return a.serializeBinary();
}

export function queryCommittedArgs(name: string): Uint8Array {
  const a = new lifecycle.QueryChaincodeDefinitionArgs();
  a.setName(name);
  return a.serializeBinary();
}

export function queryApprovedArgs(name: string, sequence: number): Uint8Array {
  const a = new lifecycle.QueryApprovedChaincodeDefinitionArgs();
  a.setName(name);
  if (sequence) a.setSequence(sequence);
  return a.serializeBinary();
}

async function call(id: SigningIdentity, ep: Endpoint, channel: string, fn: string, arg: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
  return evaluateTransaction(id, ep, channel, LIFECYCLE, fn, [arg], timeoutMs);
}

/** Evaluates a chaincode function on one peer (Endorser service) and returns its payload. */
export async function evaluateTransaction(
  id: SigningIdentity,
  ep: Endpoint,
  channel: string,
  chaincode: string,
  fn: string,
  args: readonly Uint8Array[],
  timeoutMs?: number,
): Promise<Uint8Array> {
  const { proposal } = newProposal(id, { channel, chaincode, fn, args: [...args] });
  const r = await processProposal(ep, await signProposal(id, proposal), timeoutMs);
  return r.getResponse()?.getPayload_asU8() ?? new Uint8Array();
}

/**
 * Endorses a `_lifecycle` transaction on `endorsers`, sends it to `orderer`, and waits until the
 * first endorser committed it.
 * @throws EndorsementError when a peer refuses; CliError when the orderer refuses or the
 * peers invalidate the transaction (the validation code named).
 */
async function submit(
  id: SigningIdentity,
  endorsers: readonly PeerEndpoint[],
  orderer: Endpoint,
  channel: string,
  fn: string,
  arg: Uint8Array,
): Promise<string> {
  return submitTransaction(id, endorsers, orderer, channel, LIFECYCLE, fn, [arg]);
}

/**
 * Endorses a transaction of any chaincode on `endorsers` (the legacy Endorser service: no Gateway
 * needed, as on Fabric 2.2 peers), sends it to `orderer`, and waits until the first endorser
 * committed it.
 * @throws EndorsementError when a peer refuses; CliError when the orderer refuses or the
 * peers invalidate the transaction (the validation code named).
 */
export async function submitTransaction(
  id: SigningIdentity,
  endorsers: readonly PeerEndpoint[],
  orderer: Endpoint,
  channel: string,
  chaincode: string,
  fn: string,
  args: readonly Uint8Array[],
): Promise<string> {
  const first = endorsers[0];
  if (!first) throw new CliError(`${fn}: no peer to endorse it`);
  const { txId, proposal } = newProposal(id, { channel, chaincode, fn, args: [...args] });
  const signed = await signProposal(id, proposal);
  const responses = await Promise.all(endorsers.map((p) => processProposal(p, signed)));
  const payloads = new Set(responses.map((r) => Buffer.from(r.getPayload_asU8()).toString('base64')));
  if (payloads.size > 1) {
    throw new CliError(`${fn}: the peers' results differ (${endorsers.map((p) => p.name).join(', ')}); are they on the same channel height?`);
  }
  const watcher = await CommitWatcher.open(first, id, channel);
  try {
    await broadcast(orderer, await newTransactionEnvelope(id, proposal, responses));
    await watcher.wait(txId);
  } finally {
    watcher.close();
  }
  return txId;
}

/**
 * Installs a chaincode package on one peer of the identity's organisation.
 * @returns the package ID the peer computed.
 */
export async function installChaincode(id: SigningIdentity, p: Endpoint, pkg: Uint8Array): Promise<InstalledChaincode> {
  const out = lifecycle.InstallChaincodeResult.deserializeBinary(await call(id, p, '', 'InstallChaincode', installArgs(pkg), 900_000));
  return { packageId: out.getPackageId(), label: out.getLabel() };
}

export async function queryInstalled(id: SigningIdentity, p: Endpoint): Promise<InstalledChaincode[]> {
  const out = lifecycle.QueryInstalledChaincodesResult.deserializeBinary(
    await call(id, p, '', 'QueryInstalledChaincodes', new lifecycle.QueryInstalledChaincodesArgs().serializeBinary()),
  );
  return out.getInstalledChaincodesList().map((c) => ({ packageId: c.getPackageId(), label: c.getLabel() }));
}

/** Approves a definition for the identity's organisation, endorsed by that organisation's own peer(s). */
export async function approveForMyOrg(id: SigningIdentity, ownPeers: readonly PeerEndpoint[], orderer: Endpoint, a: Approval): Promise<string> {
  const foreign = ownPeers.filter((p) => p.mspId !== id.mspId);
  if (foreign.length) throw new CliError(`approve for ${id.mspId} with its own peers only, not ${foreign.map((p) => p.name).join(', ')}`);
  return submit(id, ownPeers, orderer, a.channel, 'ApproveChaincodeDefinitionForMyOrg', approveArgs(a));
}

/** Which organisations approved exactly this definition (by MSP ID). */
export async function checkCommitReadiness(id: SigningIdentity, p: Endpoint, def: ChaincodeDefinition): Promise<Record<string, boolean>> {
  const out = lifecycle.CheckCommitReadinessResult.deserializeBinary(
    await call(id, p, def.channel, 'CheckCommitReadiness', checkCommitReadinessArgs(def)),
  );
  return Object.fromEntries(out.getApprovalsMap().toArray().sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Commits a definition once enough organisations approved it; `endorsers` are peers of the
 * organisations whose endorsement the channel's LifecycleEndorsement policy needs (public
 * endpoints; only the committer's identity signs).
 */
export async function commitDefinition(id: SigningIdentity, endorsers: readonly PeerEndpoint[], orderer: Endpoint, def: ChaincodeDefinition): Promise<string> {
  return submit(id, endorsers, orderer, def.channel, 'CommitChaincodeDefinition', commitArgs(def));
}

/** The committed definition of `name`, or undefined when none is committed. */
export async function queryCommitted(id: SigningIdentity, p: Endpoint, channel: string, name: string): Promise<CommittedDefinition | undefined> {
  try {
    const out = lifecycle.QueryChaincodeDefinitionResult.deserializeBinary(await call(id, p, channel, 'QueryChaincodeDefinition', queryCommittedArgs(name)));
    return {
      sequence: out.getSequence(),
      version: out.getVersion(),
      approvals: Object.fromEntries(out.getApprovalsMap().toArray().sort(([a], [b]) => a.localeCompare(b))),
    };
  } catch (err) {
    if (err instanceof EndorsementError && /not defined|not found|does not exist/i.test(err.peerMessage)) return undefined;
    throw err;
  }
}

/** The package the identity's organisation approved for `name` at `sequence` (0: the latest), if any. */
export async function queryApproved(
  id: SigningIdentity,
  p: Endpoint,
  channel: string,
  name: string,
  sequence = 0,
): Promise<{ sequence: number; version: string; packageId: string } | undefined> {
  try {
    const out = lifecycle.QueryApprovedChaincodeDefinitionResult.deserializeBinary(
      await call(id, p, channel, 'QueryApprovedChaincodeDefinition', queryApprovedArgs(name, sequence)),
    );
    return { sequence: out.getSequence(), version: out.getVersion(), packageId: out.getSource()?.getLocalPackage()?.getPackageId() ?? '' };
  } catch (err) {
    if (err instanceof EndorsementError && /not defined|not found|does not exist|could not fetch/i.test(err.peerMessage)) return undefined;
    throw err;
  }
}

/** The committed definition of `name` as the peer stores it (every field), or undefined. */
export async function queryCommittedDefinition(
  id: SigningIdentity,
  p: Endpoint,
  channel: string,
  name: string,
): Promise<lifecycle.QueryChaincodeDefinitionResult | undefined> {
  try {
    return lifecycle.QueryChaincodeDefinitionResult.deserializeBinary(await call(id, p, channel, 'QueryChaincodeDefinition', queryCommittedArgs(name)));
  } catch (err) {
    if (err instanceof EndorsementError && /not defined|not found|does not exist/i.test(err.peerMessage)) return undefined;
    throw err;
  }
}

/**
 * Approval arguments for exactly the committed definition (sequence, version, plugins, policy,
 * collections, init flag copied as stored) with this organisation's package: how an organisation
 * that joined after the commit lets its peers run the chaincode.
 */
export function approveCommittedArgs(name: string, committed: lifecycle.QueryChaincodeDefinitionResult, packageId: string): Uint8Array {
  const args = new lifecycle.ApproveChaincodeDefinitionForMyOrgArgs();
  args.setName(name);
  args.setSequence(committed.getSequence());
  args.setVersion(committed.getVersion());
  args.setEndorsementPlugin(committed.getEndorsementPlugin());
  args.setValidationPlugin(committed.getValidationPlugin());
  args.setValidationParameter(committed.getValidationParameter_asU8());
  const collections = committed.getCollections();
  if (collections) args.setCollections(collections);
  args.setInitRequired(committed.getInitRequired());
  const source = new lifecycle.ChaincodeSource();
  const local = new lifecycle.ChaincodeSource.Local();
  local.setPackageId(packageId);
  source.setLocalPackage(local);
  args.setSource(source);
  return args.serializeBinary();
}

/** Approves the committed definition of `name` for the identity's organisation with its package. */
export async function approveCommitted(
  id: SigningIdentity,
  ownPeers: readonly PeerEndpoint[],
  orderer: Endpoint,
  channel: string,
  name: string,
  packageId: string,
): Promise<{ sequence: number; version: string; txId: string }> {
  const first = ownPeers[0];
  if (!first) throw new CliError('approve: no peer of the organisation');
  const committed = await queryCommittedDefinition(id, first, channel, name);
  if (!committed) throw new CliError(`no definition of ${name} is committed on ${channel} yet: the members commit it first`);
  const txId = await submit(id, ownPeers, orderer, channel, 'ApproveChaincodeDefinitionForMyOrg', approveCommittedArgs(name, committed, packageId));
  return { sequence: committed.getSequence(), version: committed.getVersion(), txId };
}

/** The endorsement policy of a definition as the peers store it (an ApplicationPolicy). */
export function validationParameter(signaturePolicy: string): Uint8Array {
  const app = new peer.ApplicationPolicy();
  app.setSignaturePolicy(parseSignaturePolicy(signaturePolicy));
  return app.serializeBinary();
}
