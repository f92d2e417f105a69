// Synced rows plus an optimistic overlay, as TanStack DB's collections keep
// them: a write shows at once, stays shown while it is sent, and its overlay is
// dropped in the same update that applies the synced transaction carrying its
// txid, so the row never flickers (shown twice, or gone and back). A refused
// write, or one whose txid does not arrive in time, is rolled back.

export const TXID_TIMEOUT_MS = 5000;

/** The low 32 bits of a 64-bit snapshot bound, as the wire's txids are. */
function wireXid(text) {
  return Number(BigInt(text) & 0xffffffffn);
}

export class Collection {
  constructor() {
    this.synced = new Map();
    /** transaction id → Map(row id → row, or null for a delete) */
    this.overlays = new Map();
    this.seenTxids = new Set();
    this.snapshot = null;
    /** txid → callbacks to run (synchronously) when it becomes visible */
    this.waiters = new Map();
    this.listeners = new Set();
    this.nextTransaction = 1;
    this.ready = false;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  #notify() {
    for (const listener of this.listeners) listener(this);
  }

  /** Applies one up-to-date batch of the shape stream, atomically. */
  applyBatch(messages, { reset = false } = {}) {
    if (reset) this.synced = new Map();
    for (const message of messages) {
      const headers = message.headers ?? {};
      if (message.key !== undefined) {
        const id = message.value?.id;
        if (id === undefined) continue;
        if (headers.operation === "delete") this.synced.delete(id);
        else if (headers.operation === "update") this.synced.set(id, { ...this.synced.get(id), ...message.value });
        else this.synced.set(id, { ...message.value });
        for (const txid of headers.txids ?? []) this.seenTxids.add(Number(txid));
      } else if (headers.control === "snapshot-end") {
        this.snapshot = { xmin: wireXid(headers.xmin), xmax: wireXid(headers.xmax), xip: (headers.xip_list ?? []).map(wireXid) };
      }
    }
    this.ready = true;
    // Confirmed writes lose their overlay in this same update: no flicker.
    for (const [txid, callbacks] of this.waiters) {
      if (!this.isVisible(txid)) continue;
      this.waiters.delete(txid);
      for (const callback of callbacks) callback();
    }
    this.#notify();
  }

  /** Whether the synced rows already hold transaction `txid`. */
  isVisible(txid) {
    if (this.seenTxids.has(txid)) return true;
    const snapshot = this.snapshot;
    if (!snapshot) return false;
    return txid < snapshot.xmin || (txid < snapshot.xmax && !snapshot.xip.includes(txid));
  }

  /** Shows `rows` at once (keyed by id; null deletes); returns the transaction's id. */
  mutate(rows) {
    const id = this.nextTransaction++;
    this.overlays.set(id, new Map(rows.map((row) => [row.id, row])));
    this.#notify();
    return id;
  }

  rollback(transaction) {
    if (this.overlays.delete(transaction)) this.#notify();
  }

  /**
   * Resolves once `txid` has synced back (the overlay is then gone; `onConfirmed`
   * runs just before listeners see that);
   * rejects and rolls back when it has not within `timeoutMs`.
   */
  confirm(transaction, txid, { timeoutMs = TXID_TIMEOUT_MS, onConfirmed } = {}) {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.overlays.delete(transaction);
        // Before listeners run, so the update that drops the overlay shows the confirmation too.
        onConfirmed?.();
        resolve();
      };
      const timer = setTimeout(() => {
        const callbacks = this.waiters.get(txid) ?? [];
        this.waiters.set(txid, callbacks.filter((callback) => callback !== done));
        this.rollback(transaction);
        const seen = [...this.seenTxids].slice(-5).join(", ") || "none";
        reject(new Error(`txid ${txid} did not sync back within ${timeoutMs / 1000} s (txids seen: ${seen})`));
      }, timeoutMs);
      if (this.isVisible(txid)) {
        done();
        this.#notify();
        return;
      }
      this.waiters.set(txid, [...(this.waiters.get(txid) ?? []), done]);
    });
  }

  /** Whether row `id` is shown from an overlay (a write not yet confirmed). */
  isPending(id) {
    for (const overlay of this.overlays.values()) if (overlay.has(id)) return true;
    return false;
  }

  /** The rows to show: synced rows with every overlay on top, in write order. */
  rows() {
    const view = new Map(this.synced);
    for (const overlay of this.overlays.values()) {
      for (const [id, row] of overlay) {
        if (row === null) view.delete(id);
        else view.set(id, { ...view.get(id), ...row });
      }
    }
    return [...view.values()];
  }
}
