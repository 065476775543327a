import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the gateway exports at `/metrics` (Prometheus text format). */
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'waybill_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'waybill_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly ledgerDuration = new Histogram({
    name: 'waybill_ledger_call_duration_seconds',
    help: 'Ledger call latency by kind (evaluate, submit, submit_async, commit_status), transaction and outcome',
    labelNames: ['kind', 'transaction', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly ledgerResends = new Counter({
    name: 'waybill_ledger_resends_total',
    help: 'Submitted transactions sent to the ordering service again (the same signed transaction) because their commit did not come, by transaction',
    labelNames: ['transaction'] as const,
    registers: [this.registry],
  });

  readonly ledgerRetries = new Counter({
    name: 'waybill_ledger_retries_total',
    help: 'Write attempts repeated after an MVCC or phantom read conflict, by transaction',
    labelNames: ['transaction'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'waybill_errors_total',
    help: 'Problem responses by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'waybill_idempotent_replays_total',
    help: 'POST requests answered from a stored Idempotency-Key response',
    registers: [this.registry],
  });

  readonly eventsStored = new Counter({
    name: 'waybill_events_stored_total',
    help: 'Chaincode events stored by the event reader',
    registers: [this.registry],
  });

  readonly eventsBlock = new Gauge({
    name: 'waybill_events_checkpoint_block',
    help: 'Last block whose events the gateway has stored',
    registers: [this.registry],
  });

  readonly eventsLeader = new Gauge({
    name: 'waybill_events_leader',
    help: '1 while this process is the event leader of its database (reads blocks, projects, delivers webhooks), else 0',
    registers: [this.registry],
  });

  readonly eventsReconnects = new Counter({
    name: 'waybill_events_reconnects_total',
    help: 'Times the event reader lost its block stream and reconnected',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'waybill_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed, dead)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: 'waybill_webhook_attempt_duration_seconds',
    help: 'Duration of one webhook delivery attempt (request to response)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly projectionSeq = new Gauge({
    name: 'waybill_read_model_event_position',
    help: 'Last event position applied to the asset read model',
    registers: [this.registry],
  });

  readonly sinkPublished = new Counter({
    name: 'waybill_sink_published_total',
    help: 'Events a sink published (acknowledged by its bus), by sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkFailures = new Counter({
    name: 'waybill_sink_failures_total',
    help: 'Failed publish attempts by sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkDeadLetters = new Counter({
    name: 'waybill_sink_dead_letters_total',
    help: 'Events a sink dead-lettered (its bus refused them through every attempt), by sink',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkBacklog = new Gauge({
    name: 'waybill_sink_backlog_events',
    help: "Stored events after a sink's durable position (not yet published or skipped), by sink",
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkLag = new Gauge({
    name: 'waybill_sink_lag_seconds',
    help: "Age of the oldest event after a sink's position (0 when it is up to date), by sink",
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkUp = new Gauge({
    name: 'waybill_sink_up',
    help: "1 while a sink's last publish succeeded, 0 while it retries after a failure",
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly sinkLatency = new Histogram({
    name: 'waybill_sink_commit_to_publish_seconds',
    help: 'From the transaction timestamp to the bus acknowledging the event, by sink',
    labelNames: ['sink'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly sinkPublishDuration = new Histogram({
    name: 'waybill_sink_publish_seconds',
    help: "Duration of one publish to a sink's bus (a batch, until acknowledged), by sink",
    labelNames: ['sink'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly functionInvocations = new Counter({
    name: 'waybill_function_invocations_total',
    help: 'Function invocations by function and outcome (ok, error, timeout, crash, dead)',
    labelNames: ['function', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly functionDuration = new Histogram({
    name: 'waybill_function_duration_seconds',
    help: 'Duration of one function invocation (worker start to result), by function',
    labelNames: ['function'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'waybill_' });
  }
}
