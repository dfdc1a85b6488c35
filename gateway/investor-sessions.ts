/**
 * Which open sessions belong to which investor, on one gateway thread: the
 * index that routes a store push `{push: 'to-investor', investorId, message}`
 * to every WebSocket of that investor here. A session is in it from the moment
 * it authenticated until it closes.
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

  /** Investors with at least one open session. */
  get investors(): number {
    return this.#by.size;
  }
}
