import { ApiProperty } from '@nestjs/swagger';
import { PERSONAL_DATA_CATEGORIES, type PersonalDataCategory } from '@waybill/chaincode/constants';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';

/**
 * Upper bound of any personal value at the HTTP boundary; each category has its own, smaller
 * limit (categories.ts), checked by the service. Messages never echo the value.
 */
export const MAX_ANY_VALUE = 4000;

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
