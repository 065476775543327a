/**
 * `node gateway-api/dist/functions/function-tool.js package|test …`: the implementation of
 * `waybill functions` (the CLI runs this file, so that `functions test` runs a handler exactly as
 * the gateway's runner does). Exit 0 on success; 1 with a one-line reason on stderr otherwise;
 * 2 for a usage error.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { functionApiKey } from './function-api-key';
import { BindingError, loadBinding } from './function-binding';
import { lambdaZip, deploymentDefinition } from './function-package';
import { functionEnv, invokeFunction } from './function-runner';
import { eventBridgeLambdaEvent, type EventBridgeLambdaEvent, idempotencyKeyFor } from './lambda-event';
import { cloudEventType } from '../events/cloud-event';

const USAGE = `usage:
  functions package <binding.yaml> [--out <dir>]
      Write <name>.zip (the Lambda deployment package) and <name>.eventbridge.json (Lambda settings,
      EventBridge rule and target as SDK inputs and as a CloudFormation template) into --out (default .).
  functions test <binding.yaml> --event <event.json> [--api-url <url>]
      Run the handler once, locally and isolated, on an event: an EventBridge-to-Lambda event, a
      CloudEvent, or a Waybill event (as the SSE stream and webhooks serve it). Prints the outcome.
      The API key comes from the binding's apiKeyEnv variable (or the file its <name>_FILE names);
      --api-url or WAYBILL_API_URL.`;

class UsageError extends Error {}

/** Any event file shape → the EventBridge-to-Lambda event. */
export function toLambdaEvent(
  raw: unknown,
  where: { source: string; region: string; account: string },
): EventBridgeLambdaEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('the event file must hold a JSON object');
  const o = raw as Record<string, unknown>;
  if ('detail-type' in o && typeof o.detail === 'object') return o as unknown as EventBridgeLambdaEvent;
  if (o.specversion === '1.0') return eventBridgeLambdaEvent(o, where);
  if (typeof o.id === 'string' && typeof o.name === 'string' && typeof o.timestamp === 'string') {
    const assets = Array.isArray(o.assetIds) ? (o.assetIds as string[]) : [];
    return eventBridgeLambdaEvent(
      {
        specversion: '1.0',
        id: o.id,
        source: '/waybill/local/supplychain/waybill',
        type: cloudEventType(o.name),
        ...(assets[0] ? { subject: assets[0] } : {}),
        time: o.timestamp,
        datacontenttype: 'application/json',
        data: o.payload ?? {},
        ...(typeof o.blockNumber === 'number' ? { blocknumber: o.blockNumber } : {}),
        ...(typeof o.txId === 'string' ? { txid: o.txId } : {}),
        ...(assets.length > 0 ? { assetids: assets.join(',') } : {}),
      },
      where,
    );
  }
  throw new Error('the event is neither an EventBridge event, a CloudEvent nor a Waybill event');
}

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      event: { type: 'string' },
      'api-url': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, file, ...rest] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command || !file || rest.length > 0)
    throw new UsageError('a command and one binding file are required');
  const binding = loadBinding(file);
  if (command === 'package') {
    const out = resolve(values.out ?? '.');
    mkdirSync(out, { recursive: true });
    const zipName = `${binding.name}.zip`;
    const zip = await lambdaZip(binding, file);
    writeFileSync(join(out, zipName), zip);
    const defFile = join(out, `${binding.name}.eventbridge.json`);
    writeFileSync(defFile, `${JSON.stringify(deploymentDefinition(binding, zipName), null, 2)}\n`);
    process.stdout.write(`${join(out, zipName)} (${zip.length} bytes)\n${defFile}\n`);
    return 0;
  }
  if (command === 'test') {
    if (!values.event) throw new UsageError('functions test needs --event <file>');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.event, 'utf8'));
    } catch {
      throw new Error(`${values.event} cannot be read as JSON`);
    }
    const event = toLambdaEvent(raw, binding.eventBridge);
    const key = functionApiKey(binding, { required: false });
    const url = values['api-url'] ?? process.env.WAYBILL_API_URL;
    const detailId = typeof event.detail.id === 'string' ? event.detail.id : event.id;
    const outcome = await invokeFunction(binding, event, {
      env: functionEnv(binding, { url, key }),
      idempotencyKey: idempotencyKeyFor(binding.name, detailId),
    });
    process.stdout.write(
      `${JSON.stringify({ function: binding.name, outcome: outcome.kind, ...(outcome.kind === 'ok' ? { result: outcome.result } : { error: outcome.error }) })}\n`,
    );
    return outcome.kind === 'ok' ? 0 : 1;
  }
  throw new UsageError(`unknown command ${command}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`waybill functions: ${err.message}\n${USAGE}\n`);
        process.exitCode = 2;
      } else {
        const message =
          err instanceof BindingError ? err.message : err instanceof Error ? err.message : String(err);
        process.stderr.write(`waybill functions: ${message}\n`);
        process.exitCode = 1;
      }
    },
  );
}
