/**
 * The value each asset's key was given by the transaction of a stored event, handed from the event
 * reader (which has the block in hand) to the read-model projector of the same process, so the
 * projector need not read the asset back from the ledger (an evaluate per asset and event, in
 * every gateway: a peer, chaincode and gateway round trip that cost more CPU per transaction than
 * the projection itself; see docs/benchmarks.md). It is only a shortcut: an asset the projector
 * finds no snapshot for (another process stored the event, a restart, a snapshot dropped over the
 * cap) is read from the ledger as before.
 */
export class AssetSnapshots {
  /** Asset id → the value (`null`: the key was deleted) written by the transaction of event `seq`. */
  readonly #byAsset = new Map<string, { readonly seq: number; readonly json: string | null }>();

  constructor(private readonly cap = 2_000) {}

  /** Records what the transaction of stored event `seq` wrote to the asset's key. */
  record(assetId: string, seq: number, json: string | null): void {
    const known = this.#byAsset.get(assetId);
    if (known !== undefined && known.seq > seq) return;
    // Re-inserted so that the oldest entries come first when the cap drops some.
    this.#byAsset.delete(assetId);
    this.#byAsset.set(assetId, { seq, json });
    if (this.#byAsset.size > this.cap) {
      const oldest = this.#byAsset.keys().next();
      if (!oldest.done) this.#byAsset.delete(oldest.value);
    }
  }

  /**
   * The asset's value as of event `seq` when that event's transaction wrote it: the JSON, `null`
   * when it deleted the key, `undefined` when unknown (read it from the ledger).
   */
  at(assetId: string, seq: number): string | null | undefined {
    const known = this.#byAsset.get(assetId);
    return known?.seq === seq ? known.json : undefined;
  }

  /** Forgets the snapshots of events up to `seq` (applied to the read model). */
  forgetThrough(seq: number): void {
    for (const [id, known] of this.#byAsset) if (known.seq <= seq) this.#byAsset.delete(id);
  }

  get size(): number {
    return this.#byAsset.size;
  }
}
