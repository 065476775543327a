import './quiet-logs';
import { Context } from 'fabric-contract-api';
import type { Logger } from 'winston';
import { ROLE_ATTRIBUTE, type TransactionName } from '../constants';
import { WaybillContract } from '../contracts/waybill-contract';
import { FakeClientIdentity } from './fake-client-identity';
import { InMemoryLedger, type InMemoryStub } from './in-memory-stub';
import { seedGovernance } from './seed';

/** Who submits: organisation, role (omit for an identity without the attribute), peer. */
export interface Actor {
  readonly mspId: string;
  readonly role?: string;
  /** Organisation of the peer that executes the chaincode; defaults to `mspId`. */
  readonly peerMspId?: string;
  /** True to model a chaincode server shared by all peers (CORE_PEER_LOCALMSPID unset). */
  readonly sharedChaincodeServer?: boolean;
}

/** Options of one invocation. */
export interface InvokeOptions {
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  /** Endorsing organisations; when given, commit fails unless they satisfy the policies. */
  readonly endorsers?: readonly string[];
}

/** What a successful submit produced. */
export interface Submitted<T> {
  readonly result: T;
  readonly txId: string;
  /** Every event the transaction set (Fabric keeps the last; the contract must set exactly one). */
  readonly events: readonly { readonly name: string; readonly payload: Record<string, unknown> }[];
  /** Organisations whose peers had to endorse (from key-level and implicit-collection policies). */
  readonly requiredEndorsers: readonly string[];
  readonly stub: InMemoryStub;
}

/** A log line captured from the contract's logger. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
}

type TxMethod = (ctx: Context, ...args: unknown[]) => Promise<unknown>;

/**
 * Runs the real contract against the in-memory ledger, one transaction per call: builds the
 * context (stub, client identity, logger), calls the transaction method, and commits its writes
 * on success (submit) or discards them (evaluate, or failure).
 */
export class ContractHarness {
  readonly ledger = new InMemoryLedger();
  readonly contract = new WaybillContract();
  readonly logs: LogLine[] = [];

  /** @param governed - false for a ledger without a governance record (before `initGovernance`). */
  constructor(governed = true) {
    if (governed) {
      seedGovernance(this.ledger);
    }
  }

  /**
   * Runs a transaction and commits it. Rejects with the contract's error (nothing committed), or
   * when the transaction did not set exactly one event.
   */
  async submit<T = unknown>(actor: Actor, fn: TransactionName, args: readonly unknown[], options: InvokeOptions = {}): Promise<Submitted<T>> {
    const stub = this.#stub(actor, fn, args, options);
    const result = (await this.#run(actor, stub, fn, args)) as T;
    if (stub.events.length !== 1) {
      // The contract promises exactly one event per submitted transaction; fail every test that
      // would observe anything else.
      throw new Error(`${fn} set ${stub.events.length} events; exactly one expected`);
    }
    const requiredEndorsers = stub.requiredEndorsers();
    this.ledger.commit(stub, options.endorsers);
    return {
      result,
      txId: stub.getTxID(),
      events: stub.events.map((e) => ({ name: e.name, payload: JSON.parse(e.payload.toString('utf8')) as Record<string, unknown> })),
      requiredEndorsers,
      stub,
    };
  }

  /** Runs a transaction without committing (a query). */
  async evaluate<T = unknown>(actor: Actor, fn: TransactionName, args: readonly unknown[], options: InvokeOptions = {}): Promise<T> {
    const stub = this.#stub(actor, fn, args, options);
    return (await this.#run(actor, stub, fn, args)) as T;
  }

  /** Builds a Fabric context as the shim would, with the fake stub and identity. */
  context(actor: Actor, stub: InMemoryStub): Context {
    const ctx = new Context();
    ctx.stub = stub;
    const attributes: Record<string, string> = actor.role === undefined ? {} : { [ROLE_ATTRIBUTE]: actor.role };
    ctx.clientIdentity = new FakeClientIdentity(actor.mspId, attributes);
    const capture =
      (level: string) =>
      (message: string): void => {
        this.logs.push({ level, message });
      };
    const logger = { info: capture('info'), warn: capture('warn'), debug: capture('debug'), error: capture('error') };
    ctx.logging = { setLevel: () => undefined, getLogger: () => logger as unknown as Logger };
    return ctx;
  }

  #stub(actor: Actor, fn: TransactionName, args: readonly unknown[], options: InvokeOptions): InMemoryStub {
    return this.ledger.newTransaction({
      peerMspId: actor.peerMspId ?? actor.mspId,
      localMspIdKnown: actor.sharedChaincodeServer !== true,
      transient: options.transient ?? {},
      fcn: fn,
      args: args.map((a) => String(a)),
    });
  }

  /** As the shim dispatches: the contract's `beforeTransaction` hook, then the method. */
  async #run(actor: Actor, stub: InMemoryStub, fn: TransactionName, args: readonly unknown[]): Promise<unknown> {
    const ctx = this.context(actor, stub);
    await this.contract.beforeTransaction(ctx);
    return this.#call(ctx, fn, args);
  }

  async #call(ctx: Context, fn: TransactionName, args: readonly unknown[]): Promise<unknown> {
    const method = (this.contract as unknown as Record<string, TxMethod>)[fn];
    if (method === undefined) {
      throw new Error(`no transaction ${fn}`);
    }
    return method.call(this.contract, ctx, ...args);
  }
}
