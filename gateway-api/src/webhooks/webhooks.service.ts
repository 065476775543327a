import { randomBytes } from 'node:crypto';
import type { AuthenticatedClient } from '../common/client';
import { ProblemException } from '../common/problems';
import { standardWebhookKey } from './signature';
import type {
  CreatedWebhook,
  CreateWebhookDto,
  DeliveryList,
  DeliveryView,
  PageQuery,
  RedeliverResult,
  WebhookView,
} from './dto/webhook.dto';
import type { WebhookDispatcher } from './webhook-dispatcher';
import { type DestinationPolicy, DestinationForbiddenError, DestinationUnresolvedError } from './destination';
import type {
  Delivery,
  DeliveryAttempt,
  SignatureScheme,
  Subscription,
  WebhookRepository,
} from './webhook.repository';

/** Webhook subscriptions, their deliveries log and redelivery; the dispatcher follows every change. */
export class WebhooksService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly destinations: DestinationPolicy,
    private readonly options: {
      /** Attempts before dead-lettering when a subscription does not say. */
      readonly defaultMaxAttempts: number;
      /** Subscriptions the organisation may hold. */
      readonly maxSubscriptions: number;
    },
  ) {}

  /**
   * @throws {@link ProblemException} WEBHOOK_DESTINATION_FORBIDDEN when the URL's host is (or
   *   resolves to) an address that is not public and not allowed; WEBHOOK_LIMIT_REACHED.
   */
  async create(client: AuthenticatedClient, body: CreateWebhookDto): Promise<CreatedWebhook> {
    const url = checkUrl(body.url);
    try {
      await this.destinations.resolve(new URL(url).hostname);
    } catch (err) {
      if (err instanceof DestinationForbiddenError || err instanceof DestinationUnresolvedError) {
        throw new ProblemException('WEBHOOK_DESTINATION_FORBIDDEN', err.message, {
          errors: [{ field: 'url', message: err.message }],
        });
      }
      throw err;
    }
    if ((await this.repo.count()) >= this.options.maxSubscriptions) {
      throw new ProblemException(
        'WEBHOOK_LIMIT_REACHED',
        `the organisation holds ${this.options.maxSubscriptions} subscriptions (WAYBILL_WEBHOOK_MAX_SUBSCRIPTIONS): delete one first`,
      );
    }
    const signatures: SignatureScheme[] = body.signatures ? [...new Set(body.signatures)] : ['waybill'];
    const standard = signatures.includes('standard');
    // A Standard Webhooks secret is base64 (not base64url): its verifiers decode it so.
    const secret = body.secret ?? `whsec_${randomBytes(32).toString(standard ? 'base64' : 'base64url')}`;
    if (standard && standardWebhookKey(secret) === undefined) {
      throw new ProblemException('VALIDATION_FAILED', 'invalid webhook secret', {
        errors: [
          {
            field: 'secret',
            message:
              'with the standard signature scheme the secret must be whsec_ + base64 of 16 to 64 bytes',
          },
        ],
      });
    }
    const sub = await this.repo.create({
      format: body.format ?? 'waybill',
      signatures,
      url,
      secret,
      eventNames: body.events ? [...new Set(body.events)] : null,
      assetId: body.assetId ?? null,
      maxAttempts: body.maxAttempts ?? null,
      createdBy: client.identityId,
    });
    this.dispatcher.add(sub);
    return { subscription: this.#view(sub), secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.repo.list()).map((s) => this.#view(s));
  }

  async get(id: string): Promise<WebhookView> {
    return this.#view(await this.#subscription(id));
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.delete(id))) throw notFound();
    await this.dispatcher.remove(id);
  }

  /** Queues the subscription's dead letters again, or one delivery when `deliveryId` is given. */
  async redeliver(id: string, deliveryId?: string): Promise<RedeliverResult> {
    await this.#subscription(id);
    const redelivered = await this.repo.redeliver(id, deliveryId);
    if (deliveryId !== undefined && redelivered === 0)
      throw new ProblemException('DELIVERY_NOT_FOUND', `no delivery ${deliveryId}`);
    this.dispatcher.wake(id);
    return { redelivered };
  }

  async deliveries(id: string, q: PageQuery, state: Delivery['state'] | undefined): Promise<DeliveryList> {
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

  async #subscription(id: string): Promise<Subscription> {
    const sub = await this.repo.get(id);
    if (!sub) throw notFound();
    return sub;
  }

  #view(s: Subscription): WebhookView {
    return {
      id: s.id,
      url: s.url,
      events: s.eventNames === null ? null : [...s.eventNames],
      assetId: s.assetId,
      maxAttempts: s.maxAttempts ?? this.options.defaultMaxAttempts,
      format: s.format,
      signatures: [...s.signatures],
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
  return new ProblemException('VALIDATION_FAILED', 'invalid webhook URL', {
    errors: [{ field: 'url', message }],
  });
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
