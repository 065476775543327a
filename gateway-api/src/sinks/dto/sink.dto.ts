import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ListLimitQuery } from '../../http/list-limit.dto';

export class SinkParams {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'sink has an invalid format' })
  sink!: string;
}

/** An event ID as the sinks publish it (`<transaction ID>:<event name>`). */
const EVENT_ID = /^[0-9a-f]{64}:[A-Za-z]{1,64}$/;

export class SinkDeadLetterParams extends SinkParams {
  @ApiProperty({ pattern: EVENT_ID.source, description: "The dead-lettered event's ID" })
  @Matches(EVENT_ID, { message: 'eventId must be <transaction ID>:<event name>' })
  eventId!: string;
}

export class SinkDeadLettersQuery extends ListLimitQuery {}

export class SinkView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['kafka', 'nats', 'eventbridge'] }) kind!: string;
  @ApiProperty({ type: [String], nullable: true, description: 'null: every event' }) events!: string[] | null;
  @ApiProperty({ description: 'Whether this process runs the sink (only the event leader does)' })
  running!: boolean;
  @ApiProperty({ enum: ['up', 'retrying', 'stopped'] }) state!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Durable position in the event store' })
  position!: number | null;
  @ApiProperty({ description: 'Stored events after the position' }) backlog!: number;
  @ApiProperty({ description: 'Age of the oldest event after the position, seconds' }) lagSeconds!: number;
  @ApiProperty() deadLetters!: number;
  @ApiProperty({ description: 'Consecutive failed attempts' }) failures!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastPublishedAt!: string | null;
}

export class SinkList {
  @ApiProperty({ type: [SinkView] }) items!: SinkView[];
}

export class SinkDeadLetter {
  @ApiProperty() eventId!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() error!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class SinkDeadLetterList {
  @ApiProperty({ type: [SinkDeadLetter] }) items!: SinkDeadLetter[];
}

export class SinkRedeliveryFailure {
  @ApiProperty() eventId!: string;
  @ApiProperty({ description: 'Why the bus refused it again (it stays a dead letter, one attempt more)' })
  error!: string;
}

export class SinkRedeliverResult {
  @ApiProperty({ description: 'Dead letters the bus acknowledged now (no longer dead letters)' })
  redelivered!: number;
  @ApiProperty({ type: [SinkRedeliveryFailure], description: 'Dead letters the bus refused again' })
  failed!: SinkRedeliveryFailure[];
  @ApiProperty({ description: 'Dead letters the sink still has after this call' })
  remaining!: number;
}
