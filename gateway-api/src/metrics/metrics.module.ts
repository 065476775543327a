import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` (Prometheus). The {@link MetricsService} itself comes from the root. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
