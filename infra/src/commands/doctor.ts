import { Option, type Command } from 'commander';
import { parsePositiveInt } from '../common/flags';
import { certificatesOf } from '../identity/expiry';
import { FABRIC, FABRIC_CA, binDir, goVersion, inspectBinaries } from '../local/binaries';
import { PROJECT_ROOT, defaultDir } from '../local/context';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report the toolchain and Fabric binaries: present, versions, missing')
    .option('--json', 'machine-readable output')
    .addOption(new Option('--dir <path>', 'network whose certificates to check').env('WAYBILL_NETWORK_DIR'))
    .addOption(new Option('--cert-days <n>', 'report certificates expiring within this many days').env('WAYBILL_CERT_DAYS').argParser(parsePositiveInt).default(30))
    .action(async (flags: { json?: boolean; dir?: string; certDays: number }) => {
      const dir = binDir(PROJECT_ROOT);
      const [bins, go] = await Promise.all([inspectBinaries(dir), goVersion()]);
      const report = {
        node: process.versions.node,
        nodeOk: Number(process.versions.node.split('.')[0]) >= 23 || /^22\.(1[2-9]|[2-9]\d)/.test(process.versions.node),
        go: go ?? null,
        fabricBin: dir,
        fabricBinSource: process.env['FABRIC_BIN'] ? 'FABRIC_BIN' : 'project cache (.fabric/bin)',
        pinned: { fabric: FABRIC.version, fabricCa: FABRIC_CA.version },
        binaries: bins.map((b) => ({ name: b.name, present: b.present, version: b.version ?? null, wanted: b.wanted, ok: b.ok })),
        // Certificates of the network that expire soon: renew users' with `waybill identity reenroll`.
        expiringCertificates: certificatesOf(flags.dir ?? defaultDir()).filter((c) => c.daysLeft < flags.certDays),
      };
      const missing = bins.filter((b) => !b.ok);
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [
          `node      ${report.node} ${report.nodeOk ? 'ok' : 'too old (need >= 22.12)'}`,
          `go        ${go ?? 'missing (needed to build Fabric binaries: install Go >= 1.22)'}`,
          `binaries  ${dir} (${report.fabricBinSource})`,
          ...bins.map(
            (b) =>
              `  ${b.name.padEnd(17)} ${b.present ? (b.version ?? '?').padEnd(8) : 'missing '.padEnd(8)} ${b.ok ? 'ok' : `want ${b.wanted}`}`,
          ),
        ];
        for (const c of report.expiringCertificates) lines.push(`certificate ${c.file} (${c.subject}) expires ${c.notAfter} (${c.daysLeft} days)`);
        if (missing.length) lines.push(`missing or wrong: ${missing.map((b) => b.name).join(', ')} — \`waybill network up\` builds them with go`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (missing.length || !report.nodeOk || report.expiringCertificates.length) process.exitCode = 1;
    });
}
