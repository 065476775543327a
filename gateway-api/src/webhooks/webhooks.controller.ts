import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { EVENTS, PATTERNS } from '@waybill/chaincode/constants';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { ApiRead } from '../common/openapi';
import { ProblemException } from '../common/problems';
import { Client, type FastifyReply, RedactFromIdempotencyRecord, Roles } from '../common/request-context';
import { RE } from '../common/validators';
import { WebhookDispatcher } from './webhook-dispatcher';
import { type Delivery, type DeliveryAttempt, type Subscription, WebhookRepository } from './webhook.repository';

const NAMES = Object.values(EVENTS) as string[];

/** Injection token of the webhook defaults shown in subscriptions. */
export const WEBHOOK_DEFAULTS = Symbol('WEBHOOK_DEFAULTS');

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://erp.example.com/waybill/events', description: 'http or https URL' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({
    description: 'Signing secret (16-256 visible ASCII characters); generated when omitted',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret must be visible ASCII characters' })
  secret?: string;

  @ApiPropertyOptional({ type: [String], enum: NAMES, description: 'Event names to receive (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NAMES.length)
  @IsIn(NAMES, { each: true })
  events?: string[];

  @ApiPropertyOptional({ pattern: PATTERNS.ID, description: 'Only events concerning this asset' })
  @IsOptional()
  @Matches(RE.ID, { message: `assetId must match ${PATTERNS.ID}` })
  assetId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, description: 'Attempts before dead-lettering' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxAttempts?: number;
}

export class WebhookIdParams {
  @ApiProperty({ pattern: '^wh_[0-9a-f]{32}$' })
  @Matches(/^wh_[0-9a-f]{32}$/, { message: 'webhookId has an invalid format' })
  webhookId!: string;
}

export class DeliveryParams extends WebhookIdParams {
  @ApiProperty({ pattern: '^dl_[0-9a-f]{32}$' })
  @Matches(/^dl_[0-9a-f]{32}$/, { message: 'deliveryId has an invalid format' })
  deliveryId!: string;
}

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  state?: 'pending' | 'delivered' | 'dead';
}

export class WebhookView {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String], nullable: true, description: 'null: every event' }) events!: string[] | null;
  @ApiProperty({ type: String, nullable: true }) assetId!: string | null;
  @ApiProperty() maxAttempts!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Identity that created it' }) createdBy!: string;
}

export class CreatedWebhook {
  @ApiProperty({ type: WebhookView }) subscription!: WebhookView;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The signing secret, shown once (null in an idempotent replay)',
  })
  secret!: string | null;
}

export class WebhookList {
  @ApiProperty({ type: [WebhookView] }) items!: WebhookView[];
}

export class AttemptView {
  @ApiProperty() attempt!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ type: Number, nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class DeliveryView {
  @ApiProperty() id!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: [AttemptView] }) attemptLog!: AttemptView[];
}

export class DeliveryList {
  @ApiProperty({ type: [DeliveryView] }) items!: DeliveryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RedeliverResult {
  @ApiProperty({ description: 'Deliveries queued again' }) redelivered!: number;
}

/** `/v1/webhooks`: subscriptions, deliveries log, dead letters, redelivery (admin role). */
@ApiTags('webhooks')
@Roles('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    @Inject(WebhookRepository) private readonly repo: WebhookRepository,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
    @Inject(WEBHOOK_DEFAULTS) private readonly defaults: { readonly maxAttempts: number },
  ) {}

  @Post()
  @RedactFromIdempotencyRecord('secret')
  @ApiOperation({ summary: 'Subscribe a URL to events (signed deliveries)', operationId: 'createWebhook' })
  @ApiRead(CreatedWebhook)
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: CreateWebhookDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedWebhook> {
    const url = checkUrl(body.url);
    const secret = body.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const sub = await this.repo.create({
      url,
      secret,
      eventNames: body.events ? [...new Set(body.events)] : null,
      assetId: body.assetId ?? null,
      maxAttempts: body.maxAttempts ?? null,
      createdBy: client.identityId,
    });
    this.dispatcher.add(sub);
    void reply.status(201).header('location', `/v1/webhooks/${sub.id}`);
    return { subscription: this.#view(sub), secret };
  }

  @Get()
  @ApiOperation({ summary: 'List subscriptions (never their secrets)', operationId: 'listWebhooks' })
  @ApiRead(WebhookList)
  async list(): Promise<WebhookList> {
    return { items: (await this.repo.list()).map((s) => this.#view(s)) };
  }

  @Get(':webhookId')
  @ApiOperation({ summary: 'Get a subscription', operationId: 'getWebhook' })
  @ApiRead(WebhookView, 404)
  async get(@Param() p: WebhookIdParams): Promise<WebhookView> {
    return this.#view(await this.#subscription(p.webhookId));
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription (its deliveries log stays)', operationId: 'deleteWebhook' })
  async delete(@Param() p: WebhookIdParams): Promise<void> {
    if (!(await this.repo.delete(p.webhookId))) throw notFound();
    await this.dispatcher.remove(p.webhookId);
  }

  @Get(':webhookId/deliveries')
  @ApiOperation({ summary: 'Deliveries log, newest event first, with every attempt', operationId: 'listDeliveries' })
  @ApiRead(DeliveryList, 404)
  async deliveries(@Param() p: WebhookIdParams, @Query() q: DeliveriesQuery): Promise<DeliveryList> {
    return this.#deliveries(p.webhookId, q, q.state);
  }

  @Get(':webhookId/dead-letters')
  @ApiOperation({ summary: 'Deliveries that exhausted their attempts', operationId: 'listDeadLetters' })
  @ApiRead(DeliveryList, 404)
  async deadLetters(
    @Param() p: WebhookIdParams,
    @Query() q: PageQuery,
  ): Promise<DeliveryList> {
    return this.#deliveries(p.webhookId, q, 'dead');
  }

  @Post(':webhookId/dead-letters/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue every dead letter again', operationId: 'redeliverDeadLetters' })
  @ApiRead(RedeliverResult, 404)
  async redeliverDead(@Param() p: WebhookIdParams): Promise<RedeliverResult> {
    await this.#subscription(p.webhookId);
    const redelivered = await this.repo.redeliver(p.webhookId);
    this.dispatcher.wake(p.webhookId);
    return { redelivered };
  }

  @Post(':webhookId/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue one delivery again (a dead letter, or one the receiver lost)',
    operationId: 'redeliver',
  })
  @ApiRead(RedeliverResult, 404)
  async redeliver(@Param() p: DeliveryParams): Promise<RedeliverResult> {
    await this.#subscription(p.webhookId);
    const redelivered = await this.repo.redeliver(p.webhookId, p.deliveryId);
    if (redelivered === 0) throw new ProblemException('DELIVERY_NOT_FOUND', `no delivery ${p.deliveryId}`);
    this.dispatcher.wake(p.webhookId);
    return { redelivered };
  }

  async #subscription(id: string): Promise<Subscription> {
    const sub = await this.repo.get(id);
    if (!sub) throw notFound();
    return sub;
  }

  async #deliveries(
    id: string,
    q: { readonly limit?: number; readonly cursor?: string },
    state: Delivery['state'] | undefined,
  ): Promise<DeliveryList> {
    await this.#subscription(id);
    const limit = q.limit ?? 20;
    const rows = await this.repo.deliveries(id, {
      ...(state ? { state } : {}),
      ...(q.cursor ? { beforeSeq: Number(q.cursor) } : {}),
      limit,
    });
    const attempts = await this.repo.attempts(rows.map((d) => d.id));
    const last = rows[rows.length - 1];
    return {
      items: rows.map((d) => deliveryView(d, attempts.get(d.id) ?? [])),
      nextCursor: rows.length === limit && last ? String(last.eventSeq) : null,
    };
  }

  #view(s: Subscription): WebhookView {
    return {
      id: s.id,
      url: s.url,
      events: s.eventNames === null ? null : [...s.eventNames],
      assetId: s.assetId,
      maxAttempts: s.maxAttempts ?? this.defaults.maxAttempts,
      createdAt: new Date(s.createdAt).toISOString(),
      createdBy: s.createdBy,
    };
  }
}

function notFound(): ProblemException {
  return new ProblemException('WEBHOOK_NOT_FOUND', 'no such webhook subscription');
}

/** http(s) only, no user:password (it would end up in logs and listings). */
function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('url is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl('url must be http or https');
  if (url.username !== '' || url.password !== '') {
    throw invalidUrl('url must not carry credentials; receivers authenticate the signature');
  }
  if (url.hash !== '') throw invalidUrl('url must not have a fragment');
  return url.toString();
}

function invalidUrl(message: string): ProblemException {
  return new ProblemException('VALIDATION_FAILED', 'invalid webhook URL', { errors: [{ field: 'url', message }] });
}

function deliveryView(d: Delivery, attempts: readonly DeliveryAttempt[]): DeliveryView {
  return {
    id: d.id,
    eventId: d.eventId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: new Date(d.createdAt).toISOString(),
    deliveredAt: d.deliveredAt === null ? null : new Date(d.deliveredAt).toISOString(),
    attemptLog: attempts.map((a) => ({
      attempt: a.attempt,
      at: new Date(a.startedAt).toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
    })),
  };
}
