import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { FunctionApiKeyError, functionApiKey } from './function-api-key';
import { BindingError, loadBinding, parseBinding } from './function-binding';
import { deploymentDefinition, eventPattern, lambdaZip } from './function-package';
import { functionEnv, invokeFunction } from './function-runner';
import { eventBridgeLambdaEvent, idempotencyKeyFor } from './lambda-event';

// The runner forks the compiled host (npm test builds first).
const HOST = path.join(__dirname, '..', '..', 'dist', 'functions', 'function-host.js');
const EXAMPLE = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'examples',
  'functions',
  'accept-trusted-handovers',
  'function.yaml',
);

const CLOUD_EVENT = {
  specversion: '1.0',
  id: 'tx9:HandoverProposed',
  source: '/waybill/waybill/supplychain/waybill',
  type: 'io.waybill.handover.proposed',
  subject: 'LOT-9',
  time: '2026-11-30T10:00:00.123Z',
  datacontenttype: 'application/json',
  data: { assetId: 'LOT-9', from: 'ManufacturerMSP', to: 'CarrierMSP', actorOrg: 'ManufacturerMSP' },
  blocknumber: 12,
  txid: 'tx9',
};

describe('function bindings', () => {
  it('loads the example binding with its defaults', () => {
    const b = loadBinding(EXAMPLE);
    expect(b).toMatchObject({
      name: 'accept-trusted-handovers',
      handler: 'index.handler',
      runtime: 'nodejs20.x',
      filters: { types: ['io.waybill.handover.proposed'], assets: [], orgs: [] },
      concurrency: 2,
      timeoutSeconds: 15,
      retries: 3,
      apiKeyEnv: 'WAYBILL_FN_ACCEPT_KEY',
      environment: { CARRIER_MSP: 'CarrierMSP', TRUSTED_SHIPPERS: 'ManufacturerMSP' },
    });
    expect(b.codeDir).toBe(path.dirname(EXAMPLE));
  });

  it('lists every problem of a bad binding', () => {
    let error: unknown;
    try {
      parseBinding(
        {
          name: 'bad name',
          handler: 'index',
          timeoutSeconds: 0,
          filters: { kinds: [] },
          environment: { AWS_SECRET: 'x' },
          extra: 1,
        },
        '/tmp',
        'f.yaml',
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BindingError);
    expect((error as BindingError).problems).toEqual([
      'unknown field extra',
      'unknown field filters.kinds',
      'environment.AWS_SECRET is not an allowed variable name',
      'name must match ^[A-Za-z0-9_-]{1,64}$',
      'handler must match ^[A-Za-z0-9_./-]+\\.[A-Za-z_$][A-Za-z0-9_$]*$',
      'timeoutSeconds must be an integer from 1 to 900',
    ]);
  });

  it('refuses secrets in a binding file: a literal key, secret-named settings, an API key value, a gateway variable as apiKeyEnv', () => {
    let error: unknown;
    try {
      parseBinding(
        {
          name: 'fn',
          apiKey: 'wb_0123456789abcdef_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
          apiKeyEnv: 'WAYBILL_PD_KEK',
          environment: {
            DB_PASSWORD: 'x',
            AUTH_TOKEN: 'y',
            PARTNER_API_KEY: 'z',
            NOTE: 'use wb_0123456789abcdef_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
            REGION: 'eu-west-1',
          },
        },
        '/tmp',
        'f.yaml',
      );
    } catch (err) {
      error = err;
    }
    const problems = (error as BindingError).problems;
    expect(problems).toEqual([
      "apiKey must not be in a binding file (it is committed and packaged): name the gateway's variable holding it in apiKeyEnv",
      'environment.DB_PASSWORD looks like a secret: secrets never go into a binding file (give the function its API key through apiKeyEnv; other secrets through a secret store)',
      'environment.AUTH_TOKEN looks like a secret: secrets never go into a binding file (give the function its API key through apiKeyEnv; other secrets through a secret store)',
      'environment.PARTNER_API_KEY looks like a secret: secrets never go into a binding file (give the function its API key through apiKeyEnv; other secrets through a secret store)',
      "environment.NOTE holds an API key: name the gateway's variable holding it in apiKeyEnv instead",
      'apiKeyEnv must match ^WAYBILL_FN_[A-Z0-9_]{1,100}$',
    ]);
    // The problems name fields, never the values.
    expect(JSON.stringify(problems)).not.toMatch(/wb_0123|abcdefghij/);
  });
});

describe('function API keys', () => {
  const binding = { name: 'fn', apiKeyEnv: 'WAYBILL_FN_KEY' };
  const files: Record<string, string> = { '/run/secrets/fn-key': '  wb_1_s\n', '/run/secrets/empty': '\n' };
  const read = (file: string): string => {
    const text = files[file];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return text;
  };
  const key = (env: NodeJS.ProcessEnv, required?: boolean) =>
    functionApiKey(binding, { env, read, ...(required === undefined ? {} : { required }) });

  it('comes from the variable the binding names, or from the file its _FILE variable names', () => {
    expect(key({ WAYBILL_FN_KEY: ' wb_1_s ' })).toBe('wb_1_s');
    expect(key({ WAYBILL_FN_KEY_FILE: '/run/secrets/fn-key' })).toBe('wb_1_s');
    expect(functionApiKey({ name: 'fn', apiKeyEnv: null }, { env: { WAYBILL_FN_KEY: 'x' } })).toBeUndefined();
    expect(key({}, false)).toBeUndefined();
  });

  it('fails naming the variable or file, never the key', () => {
    const failure = (env: NodeJS.ProcessEnv) => {
      try {
        key(env);
      } catch (err) {
        expect(err).toBeInstanceOf(FunctionApiKeyError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(failure({})).toBe(
      'function fn: its API key: neither WAYBILL_FN_KEY nor WAYBILL_FN_KEY_FILE (a file holding it) is set',
    );
    expect(failure({ WAYBILL_FN_KEY: 'wb_1_s', WAYBILL_FN_KEY_FILE: '/run/secrets/fn-key' })).toBe(
      'function fn: its API key: set WAYBILL_FN_KEY or WAYBILL_FN_KEY_FILE, not both',
    );
    expect(failure({ WAYBILL_FN_KEY_FILE: '/run/secrets/nope' })).toBe(
      'function fn: its API key: WAYBILL_FN_KEY_FILE names /run/secrets/nope, which cannot be read (ENOENT)',
    );
    expect(failure({ WAYBILL_FN_KEY_FILE: '/run/secrets/empty' })).toBe(
      'function fn: its API key: WAYBILL_FN_KEY_FILE holds an empty key',
    );
    expect(failure({ WAYBILL_FN_KEY: 'wb_1_s wb_2_t' })).toBe(
      'function fn: its API key: WAYBILL_FN_KEY must hold one key on one line',
    );
  });
});

describe('the Lambda event and the idempotency key', () => {
  it('has exactly the EventBridge-to-Lambda shape, stable per event', () => {
    const e = eventBridgeLambdaEvent(CLOUD_EVENT, {
      source: 'io.waybill',
      region: 'eu-west-1',
      account: '123456789012',
    });
    expect(Object.keys(e)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(e).toMatchObject({
      version: '0',
      'detail-type': 'io.waybill.handover.proposed',
      source: 'io.waybill',
      account: '123456789012',
      time: '2026-11-30T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: CLOUD_EVENT,
    });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      eventBridgeLambdaEvent(CLOUD_EVENT, { source: 'x', region: 'us-east-1', account: '000000000000' }).id,
    ).toBe(e.id);
    expect(idempotencyKeyFor('f', 'tx9:HandoverProposed')).toBe(
      idempotencyKeyFor('f', 'tx9:HandoverProposed'),
    );
    expect(idempotencyKeyFor('f', 'tx9:HandoverProposed')).not.toBe(
      idempotencyKeyFor('g', 'tx9:HandoverProposed'),
    );
  });
});

describe('the function runner', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-fn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const handlers: Record<string, string> = {
    ok: `exports.handler = async (event, context) => ({ type: event['detail-type'], fn: context.functionName,
      key: context.clientContext.custom.idempotencyKey, left: context.getRemainingTimeInMillis() > 0,
      env: Object.keys(process.env).sort(), setting: process.env.SETTING });`,
    callback: `exports.handler = (event, context, cb) => { cb(null, { via: 'callback' }); };`,
    throws: `exports.handler = async () => { throw new TypeError('bad input'); };`,
    hangs: `exports.handler = () => new Promise(() => { setInterval(() => {}, 1000); });`,
    crashes: `exports.handler = async () => { process.exit(3); };`,
  };
  for (const [name, code] of Object.entries(handlers)) writeFileSync(path.join(dir, `${name}.js`), code);
  const binding = (handler: string, timeoutSeconds = 5) =>
    parseBinding({ name: 'fn', code: dir, handler, timeoutSeconds, environment: { SETTING: 'on' } }, dir);
  const event = eventBridgeLambdaEvent(CLOUD_EVENT, {
    source: 'io.waybill',
    region: 'us-east-1',
    account: '000000000000',
  });
  const invoke = (handler: string, timeoutSeconds?: number) => {
    const b = binding(handler, timeoutSeconds);
    return invokeFunction(b, event, {
      env: functionEnv(b, { url: 'http://127.0.0.1:1', key: 'k' }),
      idempotencyKey: 'fn-key',
      host: HOST,
    });
  };

  it('calls the handler with the event and a Lambda context, in an environment of its own', async () => {
    const secretBefore = process.env.WAYBILL_PD_KEK;
    process.env.WAYBILL_PD_KEK = 'must-not-leak';
    try {
      const out = await invoke('ok.handler');
      expect(out).toEqual({
        kind: 'ok',
        result: {
          type: 'io.waybill.handover.proposed',
          fn: 'fn',
          key: 'fn-key',
          left: true,
          env: expect.arrayContaining([
            'AWS_LAMBDA_FUNCTION_NAME',
            'AWS_REGION',
            'SETTING',
            'WAYBILL_API_KEY',
            'WAYBILL_API_URL',
          ]) as unknown,
          setting: 'on',
        },
      });
      const env = (out as { result: { env: string[] } }).result.env;
      expect(env).not.toContain('WAYBILL_PD_KEK');
    } finally {
      if (secretBefore === undefined) delete process.env.WAYBILL_PD_KEK;
      else process.env.WAYBILL_PD_KEK = secretBefore;
    }
    expect(await invoke('callback.handler')).toEqual({ kind: 'ok', result: { via: 'callback' } });
  });

  it('reports errors, enforces the deadline and contains crashes', async () => {
    expect(await invoke('throws.handler')).toEqual({ kind: 'error', error: 'TypeError: bad input' });
    const started = Date.now();
    expect(await invoke('hangs.handler', 1)).toEqual({ kind: 'timeout', error: 'timed out after 1 s' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await invoke('crashes.handler')).toMatchObject({
      kind: 'crash',
      error: expect.stringContaining('code 3') as unknown,
    });
    expect(await invoke('missing.handler')).toMatchObject({ kind: 'error' });
  });
});

describe('packaging', () => {
  it('writes a deterministic zip of the code and the EventBridge rule and target', async () => {
    const b = loadBinding(EXAMPLE);
    const zip = await lambdaZip(b, EXAMPLE);
    expect((await lambdaZip(b, EXAMPLE)).equals(zip)).toBe(true);
    const files = Object.keys((await JSZip.loadAsync(zip)).files);
    expect(files).toEqual(['index.js']);
    expect(await (await JSZip.loadAsync(zip)).file('index.js')?.async('string')).toBe(
      readFileSync(path.join(b.codeDir, 'index.js'), 'utf8'),
    );
    expect(eventPattern(b)).toEqual({
      source: ['io.waybill'],
      'detail-type': ['io.waybill.handover.proposed'],
    });
    const def = deploymentDefinition(b, 'f.zip') as Record<string, Record<string, unknown>>;
    expect(def.putTargets).toMatchObject({
      Rule: 'waybill-accept-trusted-handovers',
      Targets: [
        {
          Id: 'accept-trusted-handovers',
          Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:accept-trusted-handovers',
          RetryPolicy: { MaximumRetryAttempts: 3 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:waybill-functions-dlq' },
        },
      ],
    });
    expect(def.lambda).toMatchObject({
      Handler: 'index.handler',
      Timeout: 15,
      ReservedConcurrentExecutions: 2,
    });
    expect(JSON.stringify(def)).not.toMatch(/WAYBILL_FN_ACCEPT_KEY|x-api-key/);
  });
});
