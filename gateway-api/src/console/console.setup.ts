import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { JsonLogger } from '../common/logger';
import { sendProblem } from '../http/problem.filter';
import { ProblemException } from '../common/problems';
import type { MetricsService } from '../metrics/metrics.service';
import { clearSessionCookie, SESSION_COOKIE } from './console-session-cookie';
import { ConsoleSessions } from './console-sessions';

/** Where `npm run build` puts the console (console/dist), seen from gateway-api/{src,dist}/console. */
export const CONSOLE_ASSETS_DIR = path.resolve(__dirname, '..', '..', '..', 'console', 'dist');

/** Header a cookie-authenticated write must carry: a page on another origin cannot send it. */
export const CONSOLE_HEADER = 'x-waybill-console';

/**
 * Same-origin only, no inline script or style, no framing: the console needs nothing else, and an
 * injected script could neither run nor send what it read elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What {@link setUpConsole} needs besides the application. */
export interface ConsoleSetupOptions {
  readonly logger: JsonLogger;
  readonly metrics: MetricsService;
  /** The built console (default {@link CONSOLE_ASSETS_DIR}); not served when it has no index.html. */
  readonly assetsDir?: string;
}

/**
 * The console's share of the HTTP server: the static assets under `/console/` with a strict CSP,
 * and the session cookie standing in for the API key on `/v1` requests that carry no key of their
 * own. The API-key guard then checks the key exactly as for any client (revocation, role, rate).
 */
export async function setUpConsole(
  app: NestFastifyApplication,
  options: Readonly<ConsoleSetupOptions>,
): Promise<void> {
  const { logger, metrics } = options;
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(fastifyCookie);
  const sessions = app.get(ConsoleSessions);

  fastify.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    if (url === '/console' || url.startsWith('/console/')) {
      void reply.headers(SECURITY_HEADERS);
      done();
      return;
    }
    if (!url.startsWith('/v1/') || url.startsWith('/v1/console/session')) return done();
    if (request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined)
      return done();
    const id = request.cookies[SESSION_COOKIE];
    if (id === undefined) return done();
    const session = sessions.find(id);
    if (!session) {
      clearSessionCookie(request, reply);
      sendProblem(new ProblemException('SESSION_EXPIRED'), request, reply, logger, metrics);
      return;
    }
    if (
      !SAFE_METHODS.has(request.method) &&
      (request.headers[CONSOLE_HEADER] !== '1' || request.headers['sec-fetch-site'] === 'cross-site')
    ) {
      sendProblem(
        new ProblemException(
          'CONSOLE_HEADER_REQUIRED',
          `send ${CONSOLE_HEADER}: 1 with writes made with the session cookie`,
        ),
        request,
        reply,
        logger,
        metrics,
      );
      return;
    }
    request.headers['x-api-key'] = session.apiKey;
    done();
  });

  const assetsDir = options.assetsDir ?? CONSOLE_ASSETS_DIR;
  if (!existsSync(path.join(assetsDir, 'index.html'))) {
    logger.write('warn', 'console not built: /console is not served (npm run build builds it)', {
      assetsDir,
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: assetsDir,
    prefix: '/console/',
    decorateReply: false,
    index: ['index.html'],
    // File names under assets/ carry a content hash; index.html must be revalidated.
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      void reply.header(
        'cache-control',
        filePath.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 302));
}
