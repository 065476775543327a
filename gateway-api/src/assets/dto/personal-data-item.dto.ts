import { ApiProperty } from '@nestjs/swagger';
import { PERSONAL_DATA_CATEGORIES, type PersonalDataCategory } from '@waybill/chaincode/constants';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';

/**
 * Upper bound of any personal value at the HTTP boundary; each category has its own, smaller
 * limit (categories.ts), checked by the service. Messages never echo the value.
 */
export const MAX_ANY_VALUE = 4000;

/** An e-mail domain: labels of letters, digits and inner hyphens, two at least. */
const DOMAIN =
  '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+';

/**
 * The shapes of a personal value per category, on the normalised value (personal-data/categories.ts
 * checks them after trimming, NFC and reformatting).
 */
export const VALUE_PATTERNS = {
  name: /^[\p{L}\p{M}][\p{L}\p{M}\p{Zs}.'’-]*$/u,
  phone: /^\+[1-9][0-9]{6,14}$/,
  email: new RegExp(`^[^\\s@"<>]{1,64}@${DOMAIN}$`),
  'national-id': /^[A-Z0-9][A-Z0-9 ./-]{1,39}$/,
} as const;

/** Largest value per category, in characters (after normalisation). */
export const MAX_VALUE_LENGTH: Readonly<Record<PersonalDataCategory, number>> = {
  name: 200,
  'postal-address': 500,
  phone: 16,
  email: 254,
  'national-id': 40,
  notes: 2000,
};

// JSON Schema patterns name U+FEFF next to `\s` (ECMAScript white space, not in other engines' `\s`)
// and the control characters the check refuses: C0 and C1 but line breaks and tabs in the
// multi-line categories, everything in the others.
const MULTI_LINE_TEXT =
  '^(?=[\\s\\S]*[^\\s\\ufeff])[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$';

/**
 * What a personal value of each category may be, as sent, for the OpenAPI document: every value
 * these admit passes the category's check (which also trims, normalises and reformats, so it takes
 * more: `+39 333 123 4567`, ` A. Rossi `).
 */
export const VALUE_SCHEMAS: Readonly<Record<PersonalDataCategory, { maxLength: number; pattern: string }>> = {
  name: { maxLength: MAX_VALUE_LENGTH.name, pattern: VALUE_PATTERNS.name.source },
  phone: { maxLength: MAX_VALUE_LENGTH.phone, pattern: VALUE_PATTERNS.phone.source },
  email: {
    maxLength: MAX_VALUE_LENGTH.email,
    pattern: `^[^\\s\\ufeff\\u0000-\\u001f\\u007f-\\u009f@"<>]{1,64}@${DOMAIN}$`,
  },
  // Upper case once checked; the last character is not a space, which trimming would drop.
  'national-id': {
    maxLength: MAX_VALUE_LENGTH['national-id'],
    pattern: '^[A-Za-z0-9][A-Za-z0-9 ./-]{0,38}[A-Za-z0-9./-]$',
  },
  'postal-address': { maxLength: MAX_VALUE_LENGTH['postal-address'], pattern: MULTI_LINE_TEXT },
  notes: { maxLength: MAX_VALUE_LENGTH.notes, pattern: MULTI_LINE_TEXT },
};

/** For the OpenAPI document (http/openapi.ts refineOpenApi): the value's shape follows its category. */
export const PERSONAL_VALUE_BY_CATEGORY = {
  oneOf: PERSONAL_DATA_CATEGORIES.map((category) => ({
    properties: { category: { const: category }, value: { type: 'string', ...VALUE_SCHEMAS[category] } },
  })),
} as const;

export const PERSONAL_VALUE_DOC =
  'The personal value (normalised per category: E.164 phone, lower-case e-mail domain, upper-case national id). Never written to the ledger.';

/** One personal value for an asset, stored off-chain; only its reference and commitment reach the ledger. */
export class PersonalDataItemDto {
  @ApiProperty({
    format: 'uuid',
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$',
    description: 'Data subject (POST /v1/personal-data/subjects): a version 4 UUID',
  })
  @IsUUID(4, { message: 'subjectId must be a subject id (UUID)' })
  subjectId!: string;

  @ApiProperty({ enum: PERSONAL_DATA_CATEGORIES })
  @IsIn(PERSONAL_DATA_CATEGORIES, {
    message: `category must be one of ${PERSONAL_DATA_CATEGORIES.join(', ')}`,
  })
  category!: PersonalDataCategory;

  @ApiProperty({ maxLength: MAX_ANY_VALUE, description: PERSONAL_VALUE_DOC, example: '+393331234567' })
  @IsString({ message: 'value must be a string' })
  @MaxLength(MAX_ANY_VALUE, { message: `value must have at most ${MAX_ANY_VALUE} characters` })
  value!: string;
}
