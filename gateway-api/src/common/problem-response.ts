import type { FastifyRequest } from 'fastify';
import { type ProblemDocument, type ProblemException, PROBLEMS, problemType } from './problems';

/** A rendered problem: status, headers and the `application/problem+json` body. */
export interface ProblemResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ProblemDocument;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Renders a problem for a request: RFC 9457 members plus code, correlation id and transaction ID. */
export function renderProblem(
  problem: ProblemException,
  request: Pick<FastifyRequest, 'id' | 'url'>,
): ProblemResponse {
  const spec = PROBLEMS[problem.code];
  const body: ProblemDocument = {
    type: problemType(problem.code),
    title: spec.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    instance: request.url.split('?')[0] ?? request.url,
    code: problem.code,
    correlationId: request.id,
    retryable: spec.retryable,
    ...problem.extensions,
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.headers };
  if (problem.extensions.txId !== undefined) headers['x-transaction-id'] = problem.extensions.txId;
  return { status: problem.status, headers, body };
}
