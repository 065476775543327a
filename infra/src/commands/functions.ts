import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from '../local/context';

/**
 * `waybill functions package|test`: Lambda-compatible functions bound to ledger events
 * (docs/integrations.md#functions). Runs the gateway's own function tool, so `functions test`
 * invokes a handler exactly as the gateway's runner does (same isolation, event shape, deadline).
 */
export function registerFunctionsCommands(program: Command): void {
  const functions = program
    .command('functions')
    .description('Lambda-compatible functions on ledger events: package for AWS, test locally');
  functions
    .command('package <binding>')
    .description(
      'write the Lambda zip and the EventBridge rule/target definition (SDK inputs and CloudFormation)',
    )
    .addOption(new Option('--out <dir>', 'output folder').env('WAYBILL_FUNCTIONS_OUT').default('.'))
    .action((binding: string, flags: { out: string }) => run(['package', binding, '--out', flags.out]));
  functions
    .command('test <binding>')
    .description(
      'run the handler once, locally and isolated, on an event file (EventBridge event, CloudEvent or Waybill event)',
    )
    .addOption(
      new Option('--event <file>', 'the event (JSON)').env('WAYBILL_FUNCTIONS_EVENT').makeOptionMandatory(),
    )
    .addOption(
      new Option('--api-url <url>', "the organisation's gateway the function may call").env(
        'WAYBILL_API_URL',
      ),
    )
    .action((binding: string, flags: { event: string; apiUrl?: string }) =>
      run(['test', binding, '--event', flags.event, ...(flags.apiUrl ? ['--api-url', flags.apiUrl] : [])]),
    );
}

function run(args: readonly string[]): void {
  const tool = path.join(PROJECT_ROOT, 'gateway-api', 'dist', 'functions', 'function-tool.js');
  if (!existsSync(tool))
    throw new CliError(`the gateway is not built (${tool} is missing): run npm run build`);
  const r = spawnSync(process.execPath, [tool, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
