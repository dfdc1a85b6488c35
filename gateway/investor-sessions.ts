/**
 * Which open sessions belong to which investor, on one gateway thread: the
 * index that routes a store push `{push: 'to-investor', investorId, message}`
 * to every session of that investor here (its WebSockets in stream-handler.ts,
 * its SSE streams in notification-stream.ts). A session is in it from the
 * moment it authenticated until it closes.
 */
export class InvestorSessions<S> {
  readonly #by = new Map<string, Set<S>>();

  add(investorId: string, session: S): void {
    let set = this.#by.get(investorId);
    if (!set) this.#by.set(investorId, (set = new Set()));
    set.add(session);
  }

  remove(investorId: string, session: S): void {
    const set = this.#by.get(investorId);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.#by.delete(investorId);
  }

  of(investorId: string): ReadonlySet<S> | undefined {
    return this.#by.get(investorId);
  }

  /** Every session, investor by investor. */
  *all(): IterableIterator<S> {
    for (const set of this.#by.values()) yield* set;
  }

  /** Forgets every session. */
  clear(): void {
    this.#by.clear();
  }

  /** Investors with at least one open session. */
  get investors(): number {
    return this.#by.size;
  }
}
