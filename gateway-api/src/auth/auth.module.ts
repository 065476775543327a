import { type BeforeApplicationShutdown, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CONFIG, type GatewayConfig } from '../config/config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { RateLimits } from './rate-limiter';

/**
 * API keys: the guard every route passes (key, role, rate limit) and the key administration.
 *
 * Start: loads the keys and polls for keys created or revoked by another process. Stop: ends
 * the polling.
 */
@Module({
  controllers: [ApiKeysController],
  providers: [
    ApiKeyRepository,
    {
      provide: ApiKeysService,
      useFactory: (c: GatewayConfig, repo: ApiKeyRepository) =>
        new ApiKeysService(repo, c.profile, { refreshMs: c.auth.refreshMs }),
      inject: [CONFIG, ApiKeyRepository],
    },
    {
      provide: RateLimits,
      useFactory: (c: GatewayConfig) => new RateLimits(c.rateLimit),
      inject: [CONFIG],
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  // The console exchanges a key for a session: it authenticates keys the same way.
  exports: [ApiKeysService, RateLimits],
})
export class AuthModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.keys.start();
  }

  beforeApplicationShutdown(): void {
    this.keys.stop();
  }
}
