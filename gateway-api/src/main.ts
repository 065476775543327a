import 'reflect-metadata';
import { createApp } from './bootstrap';
import { bufferedStdout, JsonLogger } from './common/logger';
import { ConfigError, type GatewayConfig, loadConfig } from './config/config';
import { openDatabase } from './database/open-database';
import { createLedger } from './ledger/create-ledger';
import type { LedgerPort } from './ledger/ledger.port';
import { MetricsService } from './metrics/metrics.service';
import type { KeyRing } from './crypto/envelope-crypto';
import { KekRotation } from './kek-rotation';
import { checkPersonalDataKeys } from './key-check';
import { WebhookRepository } from './webhooks/webhook.repository';

/** sysexits EX_CONFIG: the configuration is invalid. */
const EXIT_CONFIG = 78;

/**
 * Entry point: `node gateway-api/dist/main.js`, configured by environment (docs/api.md).
 * Exits 78 listing every bad variable, 1 when the database or ledger cannot be set up.
 */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`waybill gateway: ${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const logger = new JsonLogger(config.log.level, bufferedStdout(), {
    service: 'waybill-gateway',
    org: config.profile.mspId,
  });

  // The process still dies on an uncaught error (a supervisor restarts it); this only makes the
  // last words a structured log line.
  process.on('uncaughtExceptionMonitor', (err, origin) => {
    logger.write('error', 'uncaught error: exiting', {
      origin,
      error: err.name,
      message: err.message,
      stack: err.stack,
    });
  });

  const database = await openDatabase(config.database);
  // A key that does not open the stored data keys stops the start: never run on the wrong key.
  let sealed: number;
  let keyRing: KeyRing;
  let rotation: KekRotation;
  try {
    keyRing = await checkPersonalDataKeys(database, config);
    // Webhook secrets an older schema kept in clear are sealed before anything serves.
    sealed = await new WebhookRepository(database, keyRing).sealClearSecrets();
    rotation = new KekRotation(database, keyRing, config, logger);
    await rotation.prepare();
  } catch (err) {
    await database.close();
    throw err;
  }
  let ledger: LedgerPort;
  try {
    ledger = createLedger(config);
  } catch (err) {
    await database.close();
    throw err;
  }
  const gateway = await createApp({
    config,
    ledger,
    database,
    logger,
    metrics: new MetricsService(),
    keyRing,
  });
  await gateway.app.listen({ host: config.http.host, port: config.http.port });
  const address = gateway.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.write('info', 'listening', {
    url: `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${port}`,
    organization: config.profile.organization,
    identities: config.profile.identities.length,
    database: config.database.kind,
    ledger: ledger.adapter,
  });
  rotation.start();
  if (sealed > 0) logger.write('info', 'sealed webhook secrets left in clear by an older schema', { sealed });
  if (config.ledger.testFault) {
    logger.write('warn', 'TEST FAULT HOOK ON: this process kills itself after submitting a transaction', {
      transaction: config.ledger.testFault.killAfterSubmit,
    });
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.write('info', 'shutting down: draining in-flight requests', {
      signal,
      timeoutMs: config.shutdownTimeoutMs,
    });
    const force = setTimeout(() => {
      logger.write('error', 'shutdown timed out; exiting with requests still in flight', { signal });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    rotation
      .stop()
      .then(() => gateway.close())
      .then(
        () => {
          logger.write('info', 'stopped', { signal });
          process.exit(0);
        },
        (err: unknown) => {
          logger.write('error', 'shutdown failed', {
            error: err instanceof Error ? err.message : String(err),
          });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `waybill gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
