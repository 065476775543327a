#!/usr/bin/env node
import { decideSemiSpace, relaunchWith, watchLauncher } from './common/semi-space';

/**
 * The `waybill` entry point. `waybill migrate …` first starts itself again with a small V8 young
 * generation (common/semi-space.ts); the command tree is loaded only in the process that runs it,
 * so the one that waits holds little memory.
 */
async function main(): Promise<void> {
  const decision = decideSemiSpace(process.argv, process.execArgv, process.env);
  if ('error' in decision) {
    process.stderr.write(`waybill: ${decision.error}\n`);
    process.exitCode = 1;
    return;
  }
  if (decision.relaunch) {
    relaunchWith(decision.flag);
    return;
  }
  watchLauncher();
  const { runProgram } = await import('./commands/program.js');
  await runProgram();
}

if (require.main === module) void main();
