import type { Context } from 'fabric-contract-api';
import type { ChaincodeStub } from 'fabric-shim-api';
import { resolveCaller, type Caller } from '../access/caller';
import { toIsoTimestamp } from '../domain/timestamp';
import { AssetStore } from './asset-store';
import { EventSink, type EventEnvelope } from './event-sink';
import { GovernanceStore } from './governance-store';

/** The slice of a logger the chaincode uses (winston's, from `ctx.logging.getLogger()`). */
export interface TxLogger {
  info(message: string): unknown;
  warn(message: string): unknown;
  debug(message: string): unknown;
}

/**
 * `ctx.logging`, which fabric-shim sets on every context (2.2 and 2.5 alike); the 2.2 line's
 * typings call it `logger`, so it is named here for the build of chaincode/fabric-2.2.
 */
type LoggingContext = Context & { readonly logging: { getLogger(name?: string): TxLogger } };

/**
 * Everything one transaction needs, derived once from Fabric's context: the caller, the
 * transaction id and timestamp (the only clock), the asset store with its read-your-writes cache,
 * the single-event sink and the contract logger.
 */
export class TxContext {
  readonly stub: ChaincodeStub;
  readonly txId: string;
  /** Transaction timestamp (ISO-8601), identical on every endorser. */
  readonly now: string;
  readonly assets: AssetStore;
  readonly events: EventSink;
  readonly governance: GovernanceStore;
  readonly logger: TxLogger;
  readonly #ctx: Context;
  #caller: Caller | undefined;

  private constructor(ctx: Context) {
    this.#ctx = ctx;
    this.stub = ctx.stub;
    this.txId = ctx.stub.getTxID();
    this.now = toIsoTimestamp(ctx.stub.getTxTimestamp());
    this.assets = new AssetStore(ctx.stub);
    this.events = new EventSink(ctx.stub);
    this.governance = new GovernanceStore(ctx.stub);
    this.logger = (ctx as LoggingContext).logging.getLogger('tx');
  }

  /** Wraps Fabric's context for one transaction. */
  static of(ctx: Context): TxContext {
    return new TxContext(ctx);
  }

  /**
   * The calling organisation and role.
   *
   * @throws `FORBIDDEN` when the identity carries no known role.
   */
  get caller(): Caller {
    this.#caller ??= resolveCaller(this.#ctx.clientIdentity);
    return this.#caller;
  }

  /**
   * MSP id of the peer executing the chaincode (`CORE_PEER_LOCALMSPID`), or `undefined` when the
   * chaincode process serves several organisations' peers (a shared chaincode-as-a-service
   * process has no single peer organisation).
   */
  peerMspId(): string | undefined {
    try {
      const mspId = this.stub.getMspID();
      return mspId === '' ? undefined : mspId;
    } catch {
      return undefined;
    }
  }

  /** Fields every event carries. */
  envelope(): EventEnvelope {
    return { txId: this.txId, timestamp: this.now, actorOrg: this.caller.mspId, actorRole: this.caller.role };
  }
}
