/** A minimal typed event emitter: `on` returns its own unsubscribe. A throwing listener does not stop the others. */
export class Emitter<E> {
  readonly #listeners = new Map<keyof E, Set<(v: never) => void>>();

  on<K extends keyof E>(type: K, fn: (value: E[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(fn as (v: never) => void);
    return () => set.delete(fn as (v: never) => void);
  }

  protected emit<K extends keyof E>(type: K, value: E[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (v: E[K]) => void)(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
