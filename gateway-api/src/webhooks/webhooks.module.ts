import { Inject, Module } from '@nestjs/common';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { EventStoreRepository } from '../events/event-store.repository';
import { EventsModule } from '../events/events.module';
import { MetricsService } from '../metrics/metrics.service';
import { type HttpPost, WEBHOOK_POST, WebhookDispatcher } from './webhook-dispatcher';
import { WebhookRepository } from './webhook.repository';
import { DestinationPolicy } from './destination';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook subscriptions and their delivery. Delivery is event work: it runs while this process is
 * the event leader (started and stopped by the event leadership).
 */
@Module({
  imports: [EventsModule],
  controllers: [WebhooksController],
  providers: [
    WebhookRepository,
    {
      provide: WebhookDispatcher,
      useFactory: (
        c: GatewayConfig,
        r: WebhookRepository,
        s: EventStoreRepository,
        b: EventBus,
        l: JsonLogger,
        m: MetricsService,
        post: HttpPost,
      ) =>
        new WebhookDispatcher(
          r,
          s,
          b,
          {
            ...c.events.webhooks,
            origin: { network: c.events.network, channel: c.profile.channel, chaincode: c.profile.chaincode },
          },
          l,
          m,
          post,
        ),
      inject: [
        CONFIG,
        WebhookRepository,
        EventStoreRepository,
        EventBus,
        LOGGER,
        MetricsService,
        WEBHOOK_POST,
      ],
    },
    {
      provide: WebhooksService,
      useFactory: (c: GatewayConfig, r: WebhookRepository, d: WebhookDispatcher, p: DestinationPolicy) =>
        new WebhooksService(r, d, p, {
          defaultMaxAttempts: c.events.webhooks.maxAttempts,
          maxSubscriptions: c.events.webhooks.maxSubscriptions,
        }),
      inject: [CONFIG, WebhookRepository, WebhookDispatcher, DestinationPolicy],
    },
  ],
})
export class WebhooksModule {
  constructor(
    @Inject(EventLeadership) leadership: EventLeadership,
    @Inject(WebhookDispatcher) dispatcher: WebhookDispatcher,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    leadership.register({
      name: 'webhook delivery',
      start: async () => {
        try {
          await dispatcher.start();
        } catch (err) {
          // Its periodic re-read of the subscriptions retries.
          logger.write('warn', 'webhook delivery could not list its subscriptions', {
            error: err instanceof Error ? err.message : String(err),
          });
        }
      },
      stop: () => dispatcher.stop(),
    });
  }
}
