import { spawn } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from '../local/context';
import type { LocalNetwork } from '../local/network';
import { CHAINCODE_DIR, startChaincodeServers } from './chaincode-server';
import { readDeployState } from './deploy';
import type { Progress } from '../common/progress';

/**
 * The dev loop: TypeScript's incremental watch compiler rebuilds the chaincode on every saved
 * change and the chaincode server restarts under the package ID already committed, so an edit
 * reaches the real peers without a lifecycle round. Runs until interrupted.
 */
export async function runDevLoop(net: LocalNetwork, progress: Progress): Promise<void> {
  const state = readDeployState(net);
  if (!state || state.mode !== 'ccaas') {
    throw new CliError('the dev loop needs the chaincode deployed as a service: run `waybill chaincode deploy --mode ccaas` first');
  }
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-b', '-w', '--preserveWatchOutput', CHAINCODE_DIR], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let changeAt = Date.now();
  let restarting: Promise<void> = Promise.resolve();
  let first = true;
  const restart = async (): Promise<void> => {
    await startChaincodeServers(net, state.packageId);
    progress(`chaincode live ${Date.now() - changeAt} ms after the change`);
  };
  child.stdout.setEncoding('utf8');
  let buffer = '';
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = stripVTControlCharacters(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (/File change detected/.test(line)) changeAt = Date.now();
      else if (/Found (\d+) errors?/.test(line)) {
        const errors = Number(/Found (\d+) error/.exec(line)?.[1] ?? '0');
        if (errors > 0) progress(`chaincode has ${errors} compile error(s); the running version stays`);
        else if (first) {
          first = false;
          progress('watching chaincode/src; save a file to rebuild and restart (Ctrl-C to stop)');
          restarting = restarting.then(restart).catch((err: unknown) => progress(`restart failed: ${(err as Error).message}`));
        } else {
          restarting = restarting.then(restart).catch((err: unknown) => progress(`restart failed: ${(err as Error).message}`));
        }
      } else if (/error TS\d+/.test(line)) process.stderr.write(`${line}\n`);
    }
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      child.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.on('exit', () => resolve());
  });
  await restarting;
}
