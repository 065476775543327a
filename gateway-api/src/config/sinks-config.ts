/**
 * Event sinks as configured in `WAYBILL_SINKS` (a JSON array): where every stored event is
 * published as a CloudEvent, each sink with its own durable position (docs/integrations.md).
 */
interface SinkCommon {
  /** Unique, `[a-z0-9-]{1,40}`: names the sink's cursor, metrics and admin endpoint. */
  readonly name: string;
  /** Event names published; null: every event. */
  readonly events: readonly string[] | null;
}

/** Apache Kafka: one topic, messages keyed by the primary asset (per-asset order per partition). */
export interface KafkaSinkConfig extends SinkCommon {
  readonly kind: 'kafka';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly clientId: string;
}

/** NATS JetStream: subject `<subjectPrefix>.<type>.<asset>` in a stream the sink creates if missing. */
export interface NatsSinkConfig extends SinkCommon {
  readonly kind: 'nats';
  readonly servers: readonly string[];
  readonly stream: string;
  readonly subjectPrefix: string;
}

/** AWS EventBridge PutEvents; credentials from the AWS SDK's default chain (never this file). */
export interface EventBridgeSinkConfig extends SinkCommon {
  readonly kind: 'eventbridge';
  readonly region: string;
  readonly eventBusName: string;
  /** Entries' `Source`. */
  readonly source: string;
  /** An endpoint other than AWS's (a local emulator). */
  readonly endpoint: string | undefined;
}

export type SinkConfig = KafkaSinkConfig | NatsSinkConfig | EventBridgeSinkConfig;
export const SINK_KINDS = ['kafka', 'nats', 'eventbridge'] as const;

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,100}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/**
 * Parses and validates `WAYBILL_SINKS`; reports every problem through `problem` (and leaves the bad
 * sink out). Undefined or empty: no sink.
 */
export function parseSinks(raw: string | undefined, problem: (message: string) => void): SinkConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problem('must be a JSON array of sinks');
    return [];
  }
  if (!Array.isArray(value)) {
    problem('must be a JSON array of sinks');
    return [];
  }
  const out: SinkConfig[] = [];
  const names = new Set<string>();
  value.forEach((item: unknown, i) => {
    const where = `[${i}]`;
    let fine = true;
    const bad = (m: string) => {
      fine = false;
      problem(`${where} ${m}`);
    };
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return bad('must be an object');
    const o = item as Record<string, unknown>;
    const name = o.name;
    if (typeof name !== 'string' || !NAME.test(name)) return bad('name must match [a-z0-9][a-z0-9-]{0,39}');
    if (names.has(name)) return bad(`name ${name} is used twice`);
    names.add(name);
    let events: string[] | null = null;
    if (o.events !== undefined) {
      if (!Array.isArray(o.events) || o.events.length === 0 || o.events.some((e) => typeof e !== 'string'))
        return bad('events must be a non-empty array of event names');
      events = o.events as string[];
    }
    const str = (key: string, fallback?: string, re?: RegExp): string | undefined => {
      const v = o[key] ?? fallback;
      if (typeof v !== 'string' || v === '' || (re && !re.test(v))) {
        bad(`${key} must be ${re ? `a string matching ${re.source}` : 'a non-empty string'}`);
        return undefined;
      }
      return v;
    };
    const list = (key: string, valid: (s: string) => boolean, expected: string): string[] | undefined => {
      const v = o[key];
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && valid(s))) {
        bad(`${key} must be a non-empty array of ${expected}`);
        return undefined;
      }
      return v as string[];
    };
    const known = (keys: readonly string[]) => {
      for (const k of Object.keys(o))
        if (!['name', 'kind', 'events', ...keys].includes(k)) bad(`has unknown field ${k}`);
    };
    switch (o.kind) {
      case 'kafka': {
        known(['brokers', 'topic', 'clientId']);
        const brokers = list('brokers', (s) => HOST_PORT.test(s), 'host:port');
        const topic = str('topic', undefined, /^[A-Za-z0-9._-]{1,249}$/);
        const clientId = str('clientId', 'waybill-gateway', TOKEN);
        if (fine && brokers && topic && clientId)
          out.push({ kind: 'kafka', name, events, brokers, topic, clientId });
        return;
      }
      case 'nats': {
        known(['servers', 'stream', 'subjectPrefix']);
        const servers = list(
          'servers',
          (s) => /^(nats|tls):\/\/[^\s]+$|^[A-Za-z0-9.-]+:\d{1,5}$/.test(s),
          'nats://host:port',
        );
        const stream = str('stream', 'WAYBILL', /^[A-Za-z0-9_-]{1,64}$/);
        const subjectPrefix = str('subjectPrefix', 'waybill', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/);
        if (fine && servers && stream && subjectPrefix)
          out.push({ kind: 'nats', name, events, servers, stream, subjectPrefix });
        return;
      }
      case 'eventbridge': {
        known(['region', 'eventBusName', 'source', 'endpoint']);
        const region = str('region', undefined, /^[a-z]{2}(-[a-z]+)+-\d$/);
        const eventBusName = str('eventBusName', 'default', /^[A-Za-z0-9._\-/:]{1,1600}$/);
        const source = str('source', 'io.waybill', /^[A-Za-z0-9._-]{1,256}$/);
        let endpoint: string | undefined;
        if (o.endpoint !== undefined) endpoint = str('endpoint', undefined, /^https?:\/\/[^\s@]+$/);
        if (fine && region && eventBusName && source)
          out.push({ kind: 'eventbridge', name, events, region, eventBusName, source, endpoint });
        return;
      }
      default:
        return bad(`kind must be one of ${SINK_KINDS.join(', ')}`);
    }
  });
  return out;
}
