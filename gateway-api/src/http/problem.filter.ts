import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LedgerError } from '../ledger/ledger.errors';
import { MetricsService } from '../metrics/metrics.service';
import { toProblem } from './error-mapping';
import { ProblemException } from '../common/problems';
import { type JsonLogger, LOGGER, type LogFields } from '../common/logger';
import { renderProblem } from '../common/problem-response';

/**
 * Sends any error as RFC 9457 problem+json. Server-side failures are logged with what is known
 * (ledger stage, gRPC code, peer messages, stack); the client sees only the code's title, its
 * detail, the transaction ID and the correlation id.
 */
export function sendProblem(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: JsonLogger,
  metrics: MetricsService,
): void {
  let problem = toProblem(err, request.method);
  if (problem.code === 'ROUTE_NOT_FOUND') problem = methodNotAllowed(request) ?? problem;
  request.problemCode = problem.code;
  metrics.errors.inc({ code: problem.code });
  if (problem.status >= 500)
    logger.write('error', 'request failed', {
      correlationId: request.id,
      code: problem.code,
      ...describe(err),
    });
  else if (logger.enabled('debug'))
    logger.write('debug', 'request rejected', {
      correlationId: request.id,
      code: problem.code,
      ...describe(err),
    });
  if (reply.sent) return;
  const rendered = renderProblem(problem, request);
  void reply.status(rendered.status).headers(rendered.headers).send(rendered.body);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * 405 with `Allow` when the path is served with other methods (Fastify alone answers 404 for any
 * method it has no route of).
 */
function methodNotAllowed(request: FastifyRequest): ProblemException | undefined {
  const url = request.url.split('?')[0] ?? '/';
  const allowed = METHODS.filter(
    (method) => method !== request.method && request.server.findRoute({ method, url }) !== null,
  );
  if (allowed.length === 0) return undefined;
  return new ProblemException(
    'METHOD_NOT_ALLOWED',
    `${request.method} is not served here; allowed: ${allowed.join(', ')}`,
    {},
    { Allow: allowed.join(', ') },
  );
}

/** The global Nest exception filter: every error thrown in the Nest pipeline. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: JsonLogger,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      err,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
      this.metrics,
    );
  }
}

function describe(err: unknown): LogFields {
  if (err instanceof LedgerError) {
    return {
      error: err.name,
      message: err.message,
      stage: err.stage,
      txId: err.txId,
      grpcCode: err.grpcCode,
      peerDetails: err.details.length > 0 ? JSON.stringify(err.details) : undefined,
    };
  }
  if (err instanceof Error) return { error: err.name, message: err.message, stack: err.stack };
  return { error: String(err) };
}
