#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliError } from './common/errors';
import { registerAwsCommands } from './commands/aws';
import { registerChaincodeCommands } from './commands/chaincode';
import { registerDoctorCommand } from './commands/doctor';
import { registerFunctionsCommands } from './commands/functions';
import { registerChannelCommands } from './commands/channel';
import { registerHostCommands } from './commands/host';
import { registerIdentityCommands } from './commands/identity';
import { registerMigrateCommands } from './commands/migrate';
import { registerOrgCommands } from './commands/org';
import { registerNetworkCommands } from './commands/network';
import { registerStackCommands } from './commands/stack';

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

async function main(): Promise<void> {
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

if (require.main === module) void main();
