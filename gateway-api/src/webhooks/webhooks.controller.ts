import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../common/client';
import { Client, type FastifyReply, RedactFromIdempotencyRecord, Roles } from '../common/request-context';
import { ApiCreated, ApiNoContent, ApiRead } from '../http/openapi';
import {
  CreatedWebhook,
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryList,
  DeliveryParams,
  PageQuery,
  RedeliverResult,
  WebhookIdParams,
  WebhookList,
  WebhookView,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

/** `/v1/webhooks`: subscriptions, deliveries log, dead letters, redelivery (admin role). */
@ApiTags('webhooks')
@Roles('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post()
  @RedactFromIdempotencyRecord('secret')
  @ApiOperation({ summary: 'Subscribe a URL to events (signed deliveries)', operationId: 'createWebhook' })
  @ApiCreated(CreatedWebhook, 409)
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: CreateWebhookDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedWebhook> {
    const created = await this.webhooks.create(client, body);
    void reply.status(201).header('location', `/v1/webhooks/${created.subscription.id}`);
    return created;
  }

  @Get()
  @ApiOperation({ summary: 'List subscriptions (never their secrets)', operationId: 'listWebhooks' })
  @ApiRead(WebhookList)
  async list(): Promise<WebhookList> {
    return { items: await this.webhooks.list() };
  }

  @Get(':webhookId')
  @ApiOperation({ summary: 'Get a subscription', operationId: 'getWebhook' })
  @ApiRead(WebhookView, 404)
  get(@Param() p: WebhookIdParams): Promise<WebhookView> {
    return this.webhooks.get(p.webhookId);
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription (its deliveries log stays)', operationId: 'deleteWebhook' })
  @ApiNoContent(404)
  delete(@Param() p: WebhookIdParams): Promise<void> {
    return this.webhooks.delete(p.webhookId);
  }

  @Get(':webhookId/deliveries')
  @ApiOperation({
    summary: 'Deliveries log, newest event first, with every attempt',
    operationId: 'listDeliveries',
  })
  @ApiRead(DeliveryList, 404)
  deliveries(@Param() p: WebhookIdParams, @Query() q: DeliveriesQuery): Promise<DeliveryList> {
    return this.webhooks.deliveries(p.webhookId, q, q.state);
  }

  @Get(':webhookId/dead-letters')
  @ApiOperation({ summary: 'Deliveries that exhausted their attempts', operationId: 'listDeadLetters' })
  @ApiRead(DeliveryList, 404)
  deadLetters(@Param() p: WebhookIdParams, @Query() q: PageQuery): Promise<DeliveryList> {
    return this.webhooks.deliveries(p.webhookId, q, 'dead');
  }

  @Post(':webhookId/dead-letters/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue every dead letter again', operationId: 'redeliverDeadLetters' })
  @ApiRead(RedeliverResult, 404)
  redeliverDead(@Param() p: WebhookIdParams): Promise<RedeliverResult> {
    return this.webhooks.redeliver(p.webhookId);
  }

  @Post(':webhookId/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue one delivery again (a dead letter, or one the receiver lost)',
    operationId: 'redeliver',
  })
  @ApiRead(RedeliverResult, 404)
  redeliver(@Param() p: DeliveryParams): Promise<RedeliverResult> {
    return this.webhooks.redeliver(p.webhookId, p.deliveryId);
  }
}
