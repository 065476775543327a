import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ListLimitQuery } from '../../http/list-limit.dto';

export class FunctionParams {
  @ApiProperty({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'function has an invalid format' })
  function!: string;
}

export class InvocationsQuery extends ListLimitQuery {}

export class FunctionView {
  @ApiProperty() name!: string;
  @ApiProperty() handler!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, string[]>;
  @ApiProperty() concurrency!: number;
  @ApiProperty() timeoutSeconds!: number;
  @ApiProperty() retries!: number;
  @ApiProperty({ description: 'Whether this process runs it (only the event leader does)' })
  running!: boolean;
  @ApiProperty({ type: Number, nullable: true }) position!: number | null;
  @ApiProperty() backlog!: number;
  @ApiProperty() lagSeconds!: number;
  @ApiProperty() deadLetters!: number;
}

export class FunctionList {
  @ApiProperty({ type: [FunctionView] }) items!: FunctionView[];
}

export class InvocationView {
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: ['running', 'failed', 'done', 'dead'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, description: "The handler's result (JSON)" }) result!: unknown;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class InvocationList {
  @ApiProperty({ type: [InvocationView] }) items!: InvocationView[];
}
