import { ValidationPipe } from '@nestjs/common';
import * as classTransformer from 'class-transformer';
import * as classValidator from 'class-validator';
import type { ValidationError } from 'class-validator';
import { type FieldError, ProblemException } from '../common/problems';

/** DTO validation: unknown fields are rejected, every failure is listed by field path. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    // Passed explicitly: npm installs this package's class-transformer under gateway-api/, where
    // Nest's own loader (resolving from @nestjs/common) would not find it.
    validatorPackage: classValidator,
    transformerPackage: {
      plainToInstance: classTransformer.plainToInstance,
      classToPlain: classTransformer.instanceToPlain,
    },
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new ProblemException('VALIDATION_FAILED', 'the request has invalid or unknown fields', {
        errors: flatten(errors),
      }),
  });
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field =
      prefix === ''
        ? e.property
        : /^\d+$/.test(e.property)
          ? `${prefix}[${e.property}]`
          : `${prefix}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
