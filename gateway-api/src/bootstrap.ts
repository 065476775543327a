import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AppDependencies, AppModule } from './app.module';
import { sendProblem } from './http/problem.filter';
import { refineOpenApi } from './http/openapi';
import { ASSET_SCHEMA_REFINEMENTS } from './assets/dto/asset-inputs.dto';
import { PERSONAL_VALUE_BY_CATEGORY } from './assets/dto/personal-data-item.dto';
import { ProblemException } from './common/problems';
import { CORRELATION_ID, TX_ID_HEADER } from './common/request-context';
import { setUpConsole } from './console';
import { ApiKeysService } from './auth/api-keys.service';
import { installFrontDoor } from './auth/front-door';
import { RateLimits } from './auth/rate-limiter';

/** Headers browsers may read when CORS is on. */
const EXPOSED_HEADERS = [
  'X-Correlation-Id',
  'X-Transaction-Id',
  'Location',
  'Retry-After',
  'Idempotent-Replayed',
  'Preference-Applied',
];

/** The running gateway and the switch that makes it refuse new requests while it drains. */
export interface GatewayApp {
  readonly app: NestFastifyApplication;
  /** Stops accepting requests (503), waits for in-flight ones, then closes ledger and database. */
  close(): Promise<void>;
}

/**
 * Builds the Nest application on Fastify: correlation ids, access log and HTTP metrics hooks,
 * problem+json for every error (including Fastify's own), body limit, CORS when configured,
 * OpenAPI 3.1 at /docs and /docs/openapi.json. The caller listens (or injects, in tests).
 */
export async function createApp(deps: AppDependencies): Promise<GatewayApp> {
  const { config, logger, metrics } = deps;
  const limits = config.http.limits;
  // Node checks the header and request deadlines on this period: its default (30 s) would let a
  // slow client hold a connection for half a minute past them.
  const serverOptions = {
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: serverOptions,
    ...(config.http.tls
      ? {
          https: {
            ...serverOptions,
            cert: config.http.tls.cert,
            key: config.http.tls.key,
            minVersion: 'TLSv1.2' as const,
          },
        }
      : {}),
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    },
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(deps), adapter, {
    logger,
    abortOnError: false,
    // The only parser is ours (JSON); other media types are 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.maxConnections = limits.maxConnections;
  let draining = false;

  fastify.decorateRequest('client', null);
  fastify.decorateRequest('problemCode', null);
  acceptEmptyJsonBodies(fastify);

  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-correlation-id', request.id);
    if (draining) {
      void reply.header('connection', 'close');
      sendProblem(
        new ProblemException('SERVICE_UNAVAILABLE', 'the gateway is shutting down'),
        request,
        reply,
        logger,
        metrics,
      );
      return;
    }
    done();
  });

  // The idle timeout is for sockets where nothing happens: not for one whose request is being
  // answered (a write may wait for its commit longer), so it is suspended from the handler on.
  // (Injected test requests have a stand-in socket without timeouts.)
  const idle = (request: FastifyRequest, ms: number) => {
    const socket = request.raw.socket as Partial<Socket> | undefined;
    if (typeof socket?.setTimeout === 'function') socket.setTimeout(ms);
  };
  fastify.addHook('preHandler', (request, _reply, done) => {
    idle(request, 0);
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    idle(request, limits.idleTimeoutMs);
    done();
  });

  // A response finished while draining closes its connection: an idle keep-alive socket would
  // otherwise hold the server open until its keep-alive timeout.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({ method: request.method, route, status });
    metrics.httpDuration.observe({ method: request.method, route, status }, seconds);
    const quiet = route.startsWith('/health') || route === '/metrics';
    const level = reply.statusCode >= 500 ? 'warn' : quiet ? 'debug' : 'info';
    if (logger.enabled(level)) {
      const txId = reply.getHeader(TX_ID_HEADER);
      logger.write(level, 'request', {
        correlationId: request.id,
        method: request.method,
        route,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        clientKeyId: request.client?.keyId,
        identity: request.client?.identityId,
        txId: typeof txId === 'string' ? txId : undefined,
        code: request.problemCode ?? undefined,
      });
    }
    done();
  });

  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? '*' : [...config.http.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'Authorization',
        'X-API-Key',
        'Content-Type',
        'Idempotency-Key',
        'Prefer',
        'X-Correlation-Id',
        'X-Purpose',
        'X-Min-Block',
      ],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  await setUpConsole(app, {
    logger,
    metrics,
    ...(deps.consoleAssetsDir ? { assetsDir: deps.consoleAssetsDir } : {}),
  });
  // After the console's hook, which turns a session cookie into the key it stands for.
  installFrontDoor(fastify, { keys: app.get(ApiKeysService), limits: app.get(RateLimits), logger, metrics });

  if (config.http.docsEnabled) {
    SwaggerModule.setup('docs', app, () => openApiDocument(app, config.profile.organization), {
      jsonDocumentUrl: 'docs/openapi.json',
      raw: ['json'],
    });
  }

  await app.init();

  return {
    app,
    close: async () => {
      draining = true;
      await app.close();
    },
  };
}

/** The OpenAPI 3.1 description of the API. */
export function openApiDocument(app: NestFastifyApplication, organization: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(`Waybill gateway API — ${organization}`)
    .setDescription(
      'Partner REST API of one organisation over the Waybill supply-chain ledger (Hyperledger Fabric). ' +
        'Errors are RFC 9457 problem+json; writes accept Idempotency-Key and Prefer: respond-async. See docs/api.md.',
    )
    .setVersion('1')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'or Authorization: Bearer <key>' },
      'apiKey',
    )
    .build();
  return refineOpenApi(
    closeRequestBodies(
      SwaggerModule.createDocument(app, config, {
        operationIdFactory: (_controller, method) => method,
      }),
    ),
    {
      ...ASSET_SCHEMA_REFINEMENTS,
      PersonalDataItemDto: PERSONAL_VALUE_BY_CATEGORY,
      AddRecordDto: PERSONAL_VALUE_BY_CATEGORY,
    },
  );
}

/**
 * The validation pipe refuses unknown fields (`forbidNonWhitelisted`): every object schema a request
 * body reaches says so (`additionalProperties: false`) unless it states otherwise (free-form maps
 * such as `attributes`). Response schemas stay open: a client must accept fields added later.
 */
export function closeRequestBodies(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    const ref = o.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (!seen.has(name)) {
        seen.add(name);
        visit(schemas[name]);
      }
      return;
    }
    if (o.properties !== undefined && o.additionalProperties === undefined) o.additionalProperties = false;
    for (const value of Object.values(o)) visit(value);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, { requestBody?: unknown }>)) {
      if (typeof operation === 'object' && operation !== null && operation.requestBody !== undefined)
        visit(operation.requestBody);
    }
  }
  return document;
}

/**
 * POST actions without input may be sent with `Content-Type: application/json` and no body;
 * Fastify would reject that as malformed JSON. Everything else goes to Fastify's own (safe) parser.
 */
function acceptEmptyJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      void parse(request, text, done);
    },
  );
}
