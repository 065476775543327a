import { Option, type Command } from 'commander';
import { parsePort, parsePositiveInt } from '../common/flags';
import { CliError } from '../common/errors';
import type { LocalNetwork } from '../local/network';
import type * as Migrate from '../migrate';
import { networkOptions, openNetwork, printJson, printProgress } from './options';

// Fabric clients load when a migrate command runs, not for every `waybill` start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = (): typeof Migrate => require('../migrate') as typeof Migrate;

interface Flags {
  dir?: string;
  basePort?: number;
  topology?: string;
  org: string;
  user?: string;
  pageSize: number;
  json?: boolean;
  sourceSdk?: Migrate.SourceSdk;
}
interface TargetFlags extends Flags {
  targetDir: string;
  targetBasePort?: number;
}

function withOrg(cmd: Command): Command {
  return networkOptions(cmd)
    .addOption(new Option('--org <name>', 'organisation whose own peer and identity are used').env('WAYBILL_ORG').makeOptionMandatory())
    .addOption(new Option('--user <id>', "identity of the organisation (default: its admin)").env('WAYBILL_USER'))
    .addOption(new Option('--page-size <n>', 'records per ledger page').env('WAYBILL_MIGRATE_PAGE_SIZE').argParser(parsePositiveInt).default(100))
    .addOption(
      new Option(
        '--source-sdk <sdk>',
        "how the source peer is read: gateway (Fabric ≥ 2.4 Gateway service) or fabric-2.2 (signed proposals to the peer, as the 2.2 SDKs do; AMB); default: fabric-2.2 for an amb-profile network, gateway otherwise",
      )
        .choices(['gateway', 'fabric-2.2'])
        .env('WAYBILL_MIGRATE_SOURCE_SDK'),
    );
}

/** A reader of the source network through the SDK its peers need (or the one asked for). */
function reader(f: Flags): Migrate.Connected<Migrate.LedgerReader> {
  const net = openNetwork(f);
  return lib().sourceReader(net, f.org, f.user, f.sourceSdk);
}

function withTarget(cmd: Command): Command {
  return withOrg(cmd)
    .addOption(new Option('--target-dir <path>', 'runtime directory of the target network').env('WAYBILL_TARGET_DIR').makeOptionMandatory())
    .addOption(new Option('--target-base-port <port>', 'first port of the target network').env('WAYBILL_TARGET_BASE_PORT').argParser(parsePort));
}

function targetNetwork(f: TargetFlags): LocalNetwork {
  return openNetwork({ dir: f.targetDir, ...(f.targetBasePort ? { basePort: f.targetBasePort } : {}), ...(f.topology ? { topology: f.topology } : {}) });
}

async function verified(f: Flags, file: string): Promise<Migrate.VerifyReport> {
  const m = lib();
  const source = reader(f);
  try {
    const report = await m.verifyExport(source.value, file, { pageSize: Math.min(f.pageSize, 100), concurrency: 8 });
    if (!report.ok) {
      for (const p of report.problems) process.stderr.write(`[waybill] ${p}\n`);
      throw new CliError(`the export does not match ${report.verifiedBy}'s peer: ${report.problemCount} problem(s); first: ${report.problems[0] ?? ''}`);
    }
    return report;
  } finally {
    source.close();
  }
}

export function registerMigrateCommands(program: Command): void {
  const migrate = program
    .command('migrate')
    .description('move a Waybill ledger to another network with proof: export, verify, attest, import, status (docs/migration.md)');

  withOrg(migrate.command('export').description("export the world state and every asset's history, with provenance and a Merkle root (resumable)"))
    .addOption(new Option('--out <file>', 'export file (NDJSON); an interrupted export resumes from <file>.checkpoint').makeOptionMandatory())
    .action(async (f: Flags & { out: string }) => {
      const m = lib();
      const source = reader(f);
      try {
        const t0 = Date.now();
        const summary = await m.exportLedger(source.value, { file: f.out, pageSize: Math.min(f.pageSize, 100), concurrency: 8, progress: printProgress });
        printProgress(`exported ${summary.recordCount} records in ${((Date.now() - t0) / 1000).toFixed(1)}s; root ${summary.root}`);
        printJson(summary);
      } finally {
        source.close();
      }
    });

  withOrg(migrate.command('verify').description("re-read every record from the organisation's own peer of the source and check the export"))
    .addOption(new Option('--export <file>', 'export file').makeOptionMandatory())
    .action(async (f: Flags & { export: string }) => {
      printJson(await verified(f, f.export));
    });

  withTarget(migrate.command('attest').description("verify the export against the organisation's own source peer, then attest its root on the target"))
    .addOption(new Option('--export <file>', 'export file').makeOptionMandatory())
    .action(async (f: TargetFlags & { export: string }) => {
      const report = await verified(f, f.export);
      const m = lib();
      const target = m.gatewayTarget(targetNetwork(f), f.org, f.user);
      try {
        printJson(await m.attestExport(target.value, report));
      } finally {
        target.close();
      }
    });

  withTarget(migrate.command('import').description('import the export into the target under a majority-attested root (resumable)'))
    .addOption(new Option('--export <file>', 'export file').makeOptionMandatory())
    .addOption(new Option('--batch-size <n>', 'records per transaction').env('WAYBILL_MIGRATE_BATCH_SIZE').argParser(parsePositiveInt).default(50))
    .action(async (f: TargetFlags & { export: string; batchSize: number }) => {
      const m = lib();
      const target = m.gatewayTarget(targetNetwork(f), f.org, f.user);
      try {
        printJson(await m.importExport(target.value, f.export, { batchSize: f.batchSize, maxBatchChars: 1_000_000, progress: printProgress }));
      } finally {
        target.close();
      }
    });

  withTarget(migrate.command('status').description('progress on the target and a per-record equality check of source and target world state'))
    .addOption(new Option('--export <file>', 'export file').makeOptionMandatory())
    .action(async (f: TargetFlags & { export: string }) => {
      const m = lib();
      const trailer = await m.readTrailer(f.export);
      const source = reader(f);
      const targetNet = targetNetwork(f);
      const target = m.gatewayTarget(targetNet, f.org, f.user);
      const targetReader = m.gatewayReader(targetNet, f.org, f.user);
      try {
        const status = await m.migrationStatus(target.value, trailer.root);
        const equality = await m.compareWorldStates(source.value, targetReader.value);
        const imported = status.import?.nextIndex ?? 0;
        printJson({
          root: trailer.root,
          exported: trailer.recordCount,
          attestedBy: status.attestedBy,
          attestationsRequired: status.required,
          imported,
          left: trailer.recordCount - imported,
          complete: status.import?.complete ?? false,
          equality,
        });
        if (status.import?.complete === true && !equality.equal) {
          throw new CliError(`the import is complete but the target differs from the source: ${JSON.stringify({ asset: equality.asset, recall: equality.recall })}`);
        }
      } finally {
        source.close();
        target.close();
        targetReader.close();
      }
    });
}
