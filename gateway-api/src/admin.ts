import { parseArgs } from 'node:util';
import { ApiKeyError, type ApiKeyView, ApiKeysService } from './auth/api-keys.service';
import { ApiKeyRepository } from './auth/api-key.repository';
import { ConfigError, loadConfig } from './config/config';
import type * as ReconcileCommand from './read-model/reconcile-command';
import { WebhookRepository } from './webhooks/webhook.repository';

import type { Database } from './database/database';
import { openDatabase } from './database/open-database';
import { checkPersonalDataKeys } from './key-check';
import { rewrapDataKeys } from './personal-data/key-rotation';
import { PersonalDataRepository } from './personal-data/personal-data.repository';

const USAGE = `usage: node gateway-api/dist/admin.js <command> [options]

commands:
  keys create --identity <id> --name <name> [--key <key>] [--json]
      Create an API key bound to an identity of the connection profile and print it (once).
      --key registers a key generated elsewhere (wb_<16 hex>_<43 base64url>); repeating it is a no-op.
  keys list [--json]
  keys revoke <keyId> [--json]
  migrate
      Apply pending database migrations (the gateway also does this at start).
  pd rewrap [--json]
      After a KEK rotation (new WAYBILL_PD_KEK, old one in WAYBILL_PD_PREVIOUS_KEKS): rewrap every
      personal-data key under the new KEK. Afterwards the old KEK can be removed and destroyed.
  pd check-keys
      Check that the configured KEKs open the stored data keys (the gateway does this at start).
  read-model reconcile [--json]
      Compare every asset on the ledger with the gateway's read model and print the differences;
      exit 1 when there is any. Reads the ledger as WAYBILL_EVENTS_IDENTITY.

Configuration as for the gateway (docs/api.md): WAYBILL_PROFILE, DATABASE_URL, WAYBILL_PD_KEK,
WAYBILL_CONFIG_FILE.
Flags fall back to WAYBILL_KEY_IDENTITY, WAYBILL_KEY_NAME, WAYBILL_API_KEY.

exit codes: 0 ok, 1 failed, 2 bad usage, 78 bad configuration`;

/** A command-line usage error (exit 2). */
class UsageError extends Error {}

/** Outcome of a command: what to print and the exit code. */
export interface AdminResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/**
 * Runs one admin command. Exported for tests; `main` wires it to the process.
 * Never prints a stored hash; prints a key only when it is created.
 */
export async function runAdmin(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        identity: { type: 'string' },
        name: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return { stdout: '', stderr: `${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`, code: 2 };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0)
    return { stdout: `${USAGE}\n`, stderr: '', code: values.help ? 0 : 2 };

  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError)
      return { stdout: '', stderr: `waybill admin: ${err.message}\n`, code: 78 };
    throw err;
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(config.database);
    const keys = new ApiKeysService(new ApiKeyRepository(db), config.profile, { refreshMs: 1000 });
    const [group, command, ...rest] = positionals;
    if (group === 'migrate' && command === undefined) return ok('database schema is up to date\n');
    if (group === 'pd') {
      if (rest.length > 0) throw new UsageError(`unexpected argument ${rest.join(' ')}`);
      const ring = await checkPersonalDataKeys(db, config);
      if (command === 'check-keys') return ok(`personal-data keys open with KEK ${ring.currentId}\n`);
      if (command !== 'rewrap') throw new UsageError(`unknown command pd ${command ?? ''}`.trim());
      const result = await rewrapDataKeys(new PersonalDataRepository(db), ring);
      const webhookSecrets = await new WebhookRepository(db, ring).rewrapSecrets();
      return ok(
        values.json
          ? `${JSON.stringify({ ...result, webhookSecrets })}\n`
          : `rewrapped ${result.rewrapped} data key(s) and ${webhookSecrets} webhook secret(s) under KEK ${result.kekId}\n`,
      );
    }
    if (group === 'read-model' && command === 'reconcile' && rest.length === 0) {
      // Loaded only here: the Fabric SDK would slow the start of every database-only command.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const command = require('./read-model/reconcile-command') as typeof ReconcileCommand;
      return await command.reconcileCommand(db, config, values.json);
    }
    if (group !== 'keys') throw new UsageError(`unknown command ${positionals.join(' ')}`);
    if (command === 'create') {
      const identityId = values.identity ?? env.WAYBILL_KEY_IDENTITY;
      const name = values.name ?? env.WAYBILL_KEY_NAME;
      const key = values.key ?? env.WAYBILL_API_KEY;
      if (!identityId || !name) throw new UsageError('keys create needs --identity and --name');
      if (rest.length > 0) throw new UsageError(`unexpected argument ${rest.join(' ')}`);
      const created = await keys.create({ identityId, name, ...(key ? { key } : {}) });
      if (values.json)
        return ok(
          `${JSON.stringify({ key: created.key, created: created.created, apiKey: created.apiKey })}\n`,
        );
      return ok(
        `${created.key}\n`,
        `${created.created ? 'created' : 'already registered'} key ${created.apiKey.keyId} for ${created.apiKey.identityId} (role ${created.apiKey.role}); store it now, it is not shown again\n`,
      );
    }
    if (command === 'list') {
      if (rest.length > 0) throw new UsageError(`unexpected argument ${rest.join(' ')}`);
      const all = await keys.list();
      return ok(values.json ? `${JSON.stringify(all)}\n` : table(all));
    }
    if (command === 'revoke') {
      const [keyId, ...extra] = rest;
      if (!keyId || extra.length > 0) throw new UsageError('keys revoke needs exactly one keyId');
      const revoked = await keys.revoke(keyId);
      return ok(
        values.json
          ? `${JSON.stringify(revoked)}\n`
          : `revoked ${revoked.keyId} at ${revoked.revokedAt ?? ''}\n`,
      );
    }
    throw new UsageError(`unknown command keys ${command ?? ''}`.trim());
  } catch (err) {
    if (err instanceof UsageError)
      return { stdout: '', stderr: `waybill admin: ${err.message}\n${USAGE}\n`, code: 2 };
    if (err instanceof ApiKeyError)
      return { stdout: '', stderr: `waybill admin: ${err.code}: ${err.message}\n`, code: 1 };
    return {
      stdout: '',
      stderr: `waybill admin: ${err instanceof Error ? err.message : String(err)}\n`,
      code: 1,
    };
  } finally {
    await db?.close();
  }
}

function ok(stdout: string, stderr = ''): AdminResult {
  return { stdout, stderr, code: 0 };
}

function table(keys: readonly ApiKeyView[]): string {
  const rows = [
    ['KEY ID', 'NAME', 'IDENTITY', 'ROLE', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.keyId, k.name, k.identityId, k.role, k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

if (require.main === module) {
  runAdmin(process.argv.slice(2)).then(
    (r) => {
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
    },
    (err: unknown) => {
      process.stderr.write(`waybill admin: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
