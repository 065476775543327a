/** The `waybill` command tree and how it reports errors; loaded by cli.ts once it knows it runs it. */
import { Command, CommanderError } from 'commander';
import { CliError } from '../common/errors';
import { registerAwsCommands } from './aws';
import { registerChaincodeCommands } from './chaincode';
import { registerDoctorCommand } from './doctor';
import { registerFunctionsCommands } from './functions';
import { registerChannelCommands } from './channel';
import { registerHostCommands } from './host';
import { registerIdentityCommands } from './identity';
import { registerMigrateCommands } from './migrate';
import { registerOrgCommands } from './org';
import { registerNetworkCommands } from './network';
import { registerStackCommands } from './stack';

export function buildProgram(): Command {
  const program = new Command('waybill')
    .description('Waybill: local Fabric network, chaincode lifecycle, identities and AWS Managed Blockchain')
    .exitOverride();
  registerNetworkCommands(program);
  registerChaincodeCommands(program);
  registerStackCommands(program);
  registerHostCommands(program);
  registerChannelCommands(program);
  registerIdentityCommands(program);
  registerOrgCommands(program);
  registerDoctorCommand(program);
  registerAwsCommands(program);
  registerMigrateCommands(program);
  registerFunctionsCommands(program);
  return program;
}

/** Runs the command line of this process; sets the exit code, prints one line on failure. */
export async function runProgram(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line message (or the help/version text).
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`waybill: ${err.step ? `${err.step}: ` : ''}${err.message}\n`);
      if (err.detail) process.stderr.write(`${err.detail}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`waybill: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  }
}
