import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSecurity,
  getSchemaPath,
} from '@nestjs/swagger';
import { AcceptedWrite, WriteResult } from './write-response';

/** The problem+json body, for the OpenAPI document. */
export class Problem {
  @ApiProperty({ example: 'urn:waybill:problem:asset-not-found' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiProperty({ example: '/v1/assets/LOT-1' }) instance!: string;
  @ApiProperty({ example: 'ASSET_NOT_FOUND' }) code!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty() retryable!: boolean;
  @ApiPropertyOptional() txId?: string;
  @ApiPropertyOptional() attempts?: number;
  @ApiPropertyOptional() validationCode?: string;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
  })
  errors?: { field: string; message: string }[];
}

const problem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } },
  });

const COMMON_ERRORS = [
  problem(400, 'Invalid request (VALIDATION_FAILED, MALFORMED_REQUEST)'),
  problem(
    422,
    'Refused by the ledger’s own input validation (INVALID_ARGUMENT) or another 422 of docs/api.md',
  ),
  problem(401, 'Missing, invalid or revoked API key'),
  problem(413, 'Request body larger than WAYBILL_BODY_LIMIT_BYTES (BODY_TOO_LARGE)'),
  problem(403, 'Forbidden by the ledger’s access rules or the key’s role'),
  problem(429, 'Rate limited (Retry-After)'),
  problem(500, 'Internal error'),
  problem(503, 'Ledger unavailable'),
  problem(504, 'Ledger timeout'),
];

/** A read: 200 with `type`, plus the usual problems. */
export function ApiRead(type: Type<unknown>, ...statuses: number[]) {
  return ApiAnswer(200, type, ...statuses);
}

/** Something created: 201 with `type` (and Location), plus the usual problems. */
export function ApiCreated(type: Type<unknown>, ...statuses: number[]) {
  return ApiAnswer(201, type, ...statuses);
}

/** An action answered 204 without a body, plus the usual problems. */
export function ApiNoContent(...statuses: number[]) {
  return applyDecorators(
    ApiSecurity('apiKey'),
    ApiSecurity('bearer'),
    ApiExtraModels(Problem),
    ApiResponse({ status: 204, description: 'Done' }),
    ...COMMON_ERRORS,
    ...statuses.map((s) => problem(s, s === 404 ? 'Not found' : 'See the error table in docs/api.md')),
  );
}

function ApiAnswer(status: 200 | 201, type: Type<unknown>, ...statuses: number[]) {
  return applyDecorators(
    ApiSecurity('apiKey'),
    ApiSecurity('bearer'),
    ApiExtraModels(Problem),
    ApiResponse({ status, type }),
    ...COMMON_ERRORS,
    ...statuses.map((s) => problem(s, s === 404 ? 'Not found' : 'See the error table in docs/api.md')),
  );
}

/** A write: 200/201 with the committed result, 202 when async, Idempotency-Key and Prefer headers. */
export function ApiWrite(resultType: Type<unknown>, options: { created?: boolean } = {}) {
  return applyDecorators(
    ApiSecurity('apiKey'),
    ApiSecurity('bearer'),
    ApiExtraModels(Problem, WriteResult, AcceptedWrite, resultType),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Same key + same request → the original response, nothing resubmitted',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: '`respond-async`: 202 once the orderer accepted the transaction',
    }),
    ApiResponse({
      status: options.created ? 201 : 200,
      description: 'Committed',
      schema: {
        allOf: [
          { $ref: getSchemaPath(WriteResult) },
          { properties: { result: { $ref: getSchemaPath(resultType) } } },
        ],
      },
    }),
    ApiResponse({
      status: 202,
      description: 'Accepted (Prefer: respond-async); poll statusUrl',
      type: AcceptedWrite,
    }),
    ...COMMON_ERRORS,
    problem(404, 'Asset not found'),
    problem(
      409,
      'Invalid transition, pending handover/sale, idempotency key in progress, or read conflict after retries',
    ),
    problem(422, 'Rejected by the ledger’s validation, or Idempotency-Key reused with another request'),
    problem(502, 'Endorsement failed or transaction invalid'),
  );
}

/**
 * The document is OpenAPI 3.1 (JSON Schema 2020-12) while the decorators speak 3.0: a boolean
 * `exclusiveMinimum`/`exclusiveMaximum` next to `minimum`/`maximum` becomes the numeric bound it
 * means. Then what the decorators cannot state (constraints across properties) is merged into the
 * named component schemas: `refinements` maps a schema name to the keywords it gains.
 */
export function refineOpenApi<T extends { components?: { schemas?: object } }>(
  document: T,
  refinements: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof o[flag] === 'boolean') {
        if (o[flag] && typeof o[bound] === 'number') {
          o[flag] = o[bound];
          delete o[bound];
        } else {
          delete o[flag];
        }
      }
    }
    for (const value of Object.values(o)) visit(value);
  };
  visit(document);
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, extra] of Object.entries(refinements)) {
    const schema = schemas[name];
    if (!schema) throw new Error(`OpenAPI refinement for an unknown schema ${name}`);
    Object.assign(schema, extra);
  }
  return document;
}
