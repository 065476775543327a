import { Option, type Command } from 'commander';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { parsePositiveInt } from '../common/flags';
import type * as Deploy from '../lifecycle/deploy';
import type * as Dev from '../lifecycle/dev';
import type * as Lifecycle from '../lifecycle/lifecycle';
import type { ChaincodeDefinition } from '../lifecycle/lifecycle';
import type * as BuildPackage from '../lifecycle/build-package';
import { CHAINCODE_TARGETS, DEPLOY_MODES, type ChaincodeTarget, type DeployMode } from '../lifecycle/package';
import { packageId } from '../lifecycle/package-id';
import { adminIdentity, anchorPeer, ordererEndpoint, peerEndpoint } from '../local/endpoints';
import type { LocalNetwork } from '../local/network';
import { type NetworkFlags, networkOptions, openNetwork, openPeerOrg, type OrgFlags, orgOptions, printJson, printProgress } from './options';

// The lifecycle (Fabric protobufs) loads when a command runs, not for every `waybill` start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lifecycle = (): Promise<typeof Lifecycle> => Promise.resolve(require('../lifecycle/lifecycle') as typeof Lifecycle);

interface DefFlags extends OrgFlags {
  version: string;
  sequence: number;
  channel?: string;
  name?: string;
  signaturePolicy?: string;
}

function defCommand(cmd: Command): Command {
  return orgOptions(cmd)
    .addOption(new Option('--version <version>', 'definition version').env('WAYBILL_CC_VERSION').makeOptionMandatory())
    .addOption(new Option('--sequence <n>', 'definition sequence').env('WAYBILL_CC_SEQUENCE').argParser(parsePositiveInt).makeOptionMandatory())
    .addOption(new Option('--channel <name>', 'channel (default: the topology\'s)').env('WAYBILL_CHANNEL'))
    .addOption(new Option('--name <name>', 'chaincode name (default: the topology\'s)').env('WAYBILL_CC_NAME'))
    .addOption(new Option('--signature-policy <policy>', "endorsement policy (default: network/topology.yaml's)").env('WAYBILL_CC_POLICY'));
}

function definition(net: LocalNetwork, f: DefFlags): ChaincodeDefinition {
  return {
    channel: f.channel ?? net.topology.channel,
    name: f.name ?? net.topology.chaincode.name,
    version: f.version,
    sequence: f.sequence,
    signaturePolicy: f.signaturePolicy ?? net.topology.chaincode.signaturePolicy,
  };
}

export function parseMode(v: string): DeployMode {
  if (!(DEPLOY_MODES as readonly string[]).includes(v)) {
    throw new CliError(`--mode must be one of ${DEPLOY_MODES.join(', ')}, not "${v}"`);
  }
  return v as DeployMode;
}

/** `--target`: the Fabric line whose peers run the package. */
export function targetOption(): Option {
  return new Option('--target <line>', 'peers the package is built for: fabric-2.5, or fabric-2.2 (Node 12, node_modules bundled; AWS Managed Blockchain)')
    .choices([...CHAINCODE_TARGETS])
    .default('fabric-2.5')
    .env('WAYBILL_CHAINCODE_TARGET');
}

export function registerChaincodeCommands(program: Command): void {
  const cc = program.command('chaincode').description('the waybill chaincode lifecycle');

  networkOptions(cc.command('deploy').description('package, install, approve, commit, and wait until it answers'))
    .addOption(
      new Option('--mode <mode>', 'ccaas (chaincode server run by waybill) or package (built by the peer)')
        .choices([...DEPLOY_MODES])
        .default('ccaas')
        .env('WAYBILL_CHAINCODE_MODE'),
    )
    .addOption(targetOption())
    .action(async (flags: { mode: string; target: string; dir?: string; basePort?: number; topology?: string }) => {
      const mode = parseMode(flags.mode);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { deployChaincode } = require('../lifecycle/deploy') as typeof Deploy;
      const r = await deployChaincode(openNetwork(flags), mode, printProgress, flags.target as ChaincodeTarget);
      printProgress(
        `${r.changed ? 'deployed' : 'up to date:'} waybill ${r.version} sequence ${r.sequence} (${r.mode}) in ${r.seconds.toFixed(1)}s`,
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });

  networkOptions(cc.command('package').description('build the chaincode package (ccaas or node) and print its package ID'))
    .addOption(new Option('--mode <mode>', 'ccaas or package').choices([...DEPLOY_MODES]).env('WAYBILL_CHAINCODE_MODE'))
    .addOption(targetOption())
    .addOption(new Option('--out <file>', "where to write the package (default: the network's chaincode folder)").env('WAYBILL_CC_OUT'))
    .action(async (f: NetworkFlags & { mode?: string; target: string; out?: string }) => {
      const target = f.target as ChaincodeTarget;
      // A 2.2 package is always one the peers run; otherwise ccaas unless told.
      const mode = parseMode(f.mode ?? (target === 'fabric-2.2' ? 'package' : 'ccaas'));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildChaincodePackage } = require('../lifecycle/build-package') as typeof BuildPackage;
      const pkg = await buildChaincodePackage(openNetwork(f), mode, target);
      let file = pkg.file;
      if (f.out !== undefined) {
        file = path.resolve(f.out);
        mkdirSync(path.dirname(file), { recursive: true });
        copyFileSync(pkg.file, file);
      }
      printJson({ file, label: pkg.label, packageId: pkg.packageId, version: pkg.codeHash, target });
    });

  cc.command('calculatepackageid')
    .description('the package ID of a chaincode package file, computed as Fabric peers do')
    .argument('<file>', 'chaincode package (.tar.gz)')
    .action((file: string) => {
      process.stdout.write(`${packageId(readFileSync(file))}\n`);
    });

  orgOptions(cc.command('install').description("install a package on the organisation's peers"))
    .argument('<file>', 'chaincode package (.tar.gz)')
    .action(async (file: string, f: OrgFlags) => {
      const { installChaincode, queryInstalled } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const bytes = readFileSync(path.resolve(file));
      const id = packageId(bytes);
      const admin = adminIdentity(net, org);
      for (const p of org.peers) {
        const ep = peerEndpoint(net, p);
        if ((await queryInstalled(admin, ep)).some((c) => c.packageId === id)) printProgress(`${p.name}: already installed`);
        else printProgress(`${p.name}: installed ${(await installChaincode(admin, ep, bytes)).packageId}`);
      }
      printJson({ packageId: id });
    });

  orgOptions(cc.command('queryinstalled').description("packages installed on the organisation's first peer")).action(async (f: OrgFlags) => {
    const { queryInstalled } = await lifecycle();
    const { net, org } = openPeerOrg(f);
    printJson(await queryInstalled(adminIdentity(net, org), peerEndpoint(net, anchorPeer(org))));
  });

  defCommand(cc.command('approve').description('approve a definition for the organisation (its own admin key, its own peer)'))
    .addOption(new Option('--package-id <id>', "package the organisation's peers run (omit to approve without running it)").env('WAYBILL_PACKAGE_ID'))
    .action(async (f: DefFlags & { packageId?: string }) => {
      const { approveForMyOrg } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const def = { ...definition(net, f), ...(f.packageId ? { packageId: f.packageId } : {}) };
      const txId = await approveForMyOrg(adminIdentity(net, org), [peerEndpoint(net, anchorPeer(org))], ordererEndpoint(net), def);
      printProgress(`${org.name} approved ${def.name} ${def.version} sequence ${def.sequence} (tx ${txId})`);
    });

  defCommand(cc.command('checkcommitreadiness').description('which organisations approved this definition; exits 1 naming the missing ones'))
    .action(async (f: DefFlags) => {
      const { checkCommitReadiness } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const approvals = await checkCommitReadiness(adminIdentity(net, org), peerEndpoint(net, anchorPeer(org)), definition(net, f));
      printJson(approvals);
      const missing = Object.entries(approvals).filter(([, ok]) => !ok).map(([m]) => m);
      if (missing.length) throw new CliError(`not approved yet by ${missing.join(', ')}`);
    });

  defCommand(cc.command('commit').description("commit a definition once enough organisations approved it (any organisation's admin)"))
    .action(async (f: DefFlags) => {
      const { checkCommitReadiness, commitDefinition } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const admin = adminIdentity(net, org);
      const def = definition(net, f);
      const approvals = await checkCommitReadiness(admin, peerEndpoint(net, anchorPeer(org)), def);
      const approved = net.topology.peerOrgs.filter((o) => approvals[o.mspId]);
      // Endorsements from the organisations that approved: the LifecycleEndorsement policy
      // (a majority) decides whether that is enough, and the peers say so if not.
      await commitDefinition(admin, approved.map((o) => peerEndpoint(net, anchorPeer(o))), ordererEndpoint(net), def).catch((err: Error) => {
        const missing = Object.entries(approvals).filter(([, ok]) => !ok).map(([m]) => m);
        throw new CliError(`${err.message}${missing.length ? ` (not approved by ${missing.join(', ')})` : ''}`);
      });
      printProgress(`committed ${def.name} ${def.version} sequence ${def.sequence}`);
    });

  orgOptions(cc.command('querycommitted').description('the committed definition and who approved it'))
    .addOption(new Option('--name <name>', 'chaincode name').env('WAYBILL_CC_NAME'))
    .action(async (f: OrgFlags & { name?: string }) => {
      const { queryCommitted } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const name = f.name ?? net.topology.chaincode.name;
      const c = await queryCommitted(adminIdentity(net, org), peerEndpoint(net, anchorPeer(org)), net.topology.channel, name);
      if (!c) throw new CliError(`no definition of ${name} is committed on ${net.topology.channel}`);
      printJson(c);
    });

  orgOptions(cc.command('queryapproved').description("the organisation's approved definition"))
    .addOption(new Option('--name <name>', 'chaincode name').env('WAYBILL_CC_NAME'))
    .addOption(new Option('--sequence <n>', 'sequence (default: the latest)').argParser(parsePositiveInt))
    .action(async (f: OrgFlags & { name?: string; sequence?: number }) => {
      const { queryApproved } = await lifecycle();
      const { net, org } = openPeerOrg(f);
      const name = f.name ?? net.topology.chaincode.name;
      const a = await queryApproved(adminIdentity(net, org), peerEndpoint(net, anchorPeer(org)), net.topology.channel, name, f.sequence ?? 0);
      if (!a) throw new CliError(`${org.name} has not approved ${name}${f.sequence ? ` sequence ${f.sequence}` : ''}`);
      printJson(a);
    });

  networkOptions(
    cc.command('dev').description('rebuild and restart the chaincode server on every change (no lifecycle round)'),
  ).action(async (flags: { dir?: string; basePort?: number; topology?: string }) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runDevLoop } = require('../lifecycle/dev') as typeof Dev;
    await runDevLoop(openNetwork(flags), printProgress);
  });
}
