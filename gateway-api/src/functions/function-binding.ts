import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { API_KEY_ENV } from './function-api-key';

/**
 * A function binding file (YAML or JSON): which handler runs, on which events, how. The same file
 * drives the gateway's local runner and `waybill functions package` (Lambda zip + EventBridge
 * rule/target), so one definition serves both (docs/integrations.md#functions).
 */
export interface FunctionBinding {
  /** `[A-Za-z0-9-_]{1,64}` (a Lambda function name). */
  readonly name: string;
  /** Absolute folder of the function's code (what the Lambda zip holds). */
  readonly codeDir: string;
  /** Lambda handler string `<module>.<export>`, the module relative to `codeDir` (`index.handler`). */
  readonly handler: string;
  /** Lambda runtime written into the package definition. */
  readonly runtime: string;
  readonly filters: {
    /** CloudEvents types (`io.waybill.handover.proposed`); empty: every type. */
    readonly types: readonly string[];
    /** Asset IDs (any of the event's assets); empty: every asset. */
    readonly assets: readonly string[];
    /** MSP IDs of the submitting organisation (`actorOrg`); empty: any. */
    readonly orgs: readonly string[];
  };
  /** Invocations at once (each for a different asset). */
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  /** Attempts after the first before the event is dead-lettered. */
  readonly retries: number;
  /** Where events go after the retries: the gateway's dead-letter table, and on AWS this queue. */
  readonly deadLetter: { readonly sqsQueueArn: string | null };
  /**
   * Name of the gateway's environment variable holding the function's own API key (never the key):
   * `WAYBILL_FN_…`; or `<name>_FILE` names a file holding it (see `functionApiKey`).
   */
  readonly apiKeyEnv: string | null;
  /** Plain settings given to the handler's environment (no secrets: they would land in the zip's definition). */
  readonly environment: Readonly<Record<string, string>>;
  /** EventBridge fields of the Lambda event and the packaged rule. */
  readonly eventBridge: {
    readonly source: string;
    readonly region: string;
    readonly account: string;
    readonly eventBusName: string;
  };
}

/** A binding file is unusable; `problems` lists every reason. */
export class BindingError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'BindingError';
  }
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HANDLER = /^[A-Za-z0-9_./-]+\.[A-Za-z_$][A-Za-z0-9_$]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Names of settings that hold secrets: those never go into a binding file (it is committed and packaged). */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
/** A Waybill API key's shape (`wb_<key id>_<secret>`). */
const API_KEY_VALUE = /wb_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}/;
const KNOWN = [
  'name',
  'code',
  'handler',
  'runtime',
  'filters',
  'concurrency',
  'timeoutSeconds',
  'retries',
  'deadLetter',
  'apiKeyEnv',
  'environment',
  'eventBridge',
];

/**
 * Reads and validates a binding file.
 * @throws {@link BindingError} listing every problem (unreadable file, bad YAML/JSON, bad field).
 */
export function loadBinding(file: string): FunctionBinding {
  const path = resolve(file);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new BindingError(path, [
      `cannot be read as ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    ]);
  }
  return parseBinding(raw, dirname(path), path);
}

/** Validates a parsed binding; `baseDir` resolves its `code` folder. */
export function parseBinding(raw: unknown, baseDir: string, file = '<binding>'): FunctionBinding {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BindingError(file, ['must be a mapping']);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === 'apiKey')
      problems.push(
        "apiKey must not be in a binding file (it is committed and packaged): name the gateway's variable holding it in apiKeyEnv",
      );
    else if (!KNOWN.includes(k)) problems.push(`unknown field ${k}`);
  }
  const str = (v: unknown, field: string, re: RegExp, fallback?: string): string => {
    const s = v ?? fallback;
    if (typeof s !== 'string' || !re.test(s)) {
      problems.push(`${field} must match ${re.source}`);
      return '';
    }
    return s;
  };
  const int = (v: unknown, field: string, min: number, max: number, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${field} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return v;
  };
  const strings = (v: unknown, field: string, re: RegExp): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && re.test(s))) {
      problems.push(`${field} must be a list of strings matching ${re.source}`);
      return [];
    }
    return v as string[];
  };
  const record = (v: unknown, field: string): Record<string, unknown> => {
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push(`${field} must be a mapping`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const filters = record(o.filters, 'filters');
  for (const k of Object.keys(filters))
    if (!['types', 'assets', 'orgs'].includes(k)) problems.push(`unknown field filters.${k}`);
  const deadLetter = record(o.deadLetter, 'deadLetter');
  const eventBridge = record(o.eventBridge, 'eventBridge');
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(o.environment, 'environment'))) {
    if (!ENV_NAME.test(k) || k.startsWith('AWS_') || k.startsWith('WAYBILL_'))
      problems.push(`environment.${k} is not an allowed variable name`);
    else if (SECRET_NAME.test(k))
      problems.push(
        `environment.${k} looks like a secret: secrets never go into a binding file (give the function its API key through apiKeyEnv; other secrets through a secret store)`,
      );
    else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      problems.push(`environment.${k} must be a string`);
    else if (API_KEY_VALUE.test(String(v)))
      problems.push(
        `environment.${k} holds an API key: name the gateway's variable holding it in apiKeyEnv instead`,
      );
    else environment[k] = String(v);
  }
  const sqsQueueArn =
    deadLetter.sqsQueueArn === undefined
      ? null
      : str(
          deadLetter.sqsQueueArn,
          'deadLetter.sqsQueueArn',
          /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/,
        );
  const binding: FunctionBinding = {
    name: str(o.name, 'name', NAME),
    codeDir: resolve(baseDir, str(o.code, 'code', /^[^\0]+$/, '.')),
    handler: str(o.handler, 'handler', HANDLER, 'index.handler'),
    runtime: str(o.runtime, 'runtime', /^nodejs\d+\.x$/, 'nodejs20.x'),
    filters: {
      types: strings(filters.types, 'filters.types', /^[a-z0-9.-]+$/),
      assets: strings(filters.assets, 'filters.assets', /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/),
      orgs: strings(filters.orgs, 'filters.orgs', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    },
    concurrency: int(o.concurrency, 'concurrency', 1, 64, 1),
    timeoutSeconds: int(o.timeoutSeconds, 'timeoutSeconds', 1, 900, 30),
    retries: int(o.retries, 'retries', 0, 10, 2),
    deadLetter: { sqsQueueArn },
    apiKeyEnv: o.apiKeyEnv === undefined ? null : str(o.apiKeyEnv, 'apiKeyEnv', API_KEY_ENV),
    environment,
    eventBridge: {
      source: str(eventBridge.source, 'eventBridge.source', /^[A-Za-z0-9._-]{1,256}$/, 'io.waybill'),
      region: str(eventBridge.region, 'eventBridge.region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'us-east-1'),
      account: str(eventBridge.account, 'eventBridge.account', /^\d{12}$/, '000000000000'),
      eventBusName: str(
        eventBridge.eventBusName,
        'eventBridge.eventBusName',
        /^[A-Za-z0-9._\-/:]{1,256}$/,
        'default',
      ),
    },
  };
  if (problems.length > 0) throw new BindingError(file, problems);
  return binding;
}
