import { useEffect, useState } from 'preact/hooks';

/** A value that tells its listeners when it changes. */
export class Observable<T> {
  #value: T;
  readonly #listeners = new Set<(v: T) => void>();

  constructor(value: T) {
    this.#value = value;
  }

  get value(): T {
    return this.#value;
  }

  set(v: T): void {
    if (Object.is(v, this.#value)) return;
    this.#value = v;
    for (const fn of this.#listeners) fn(v);
  }

  subscribe(fn: (v: T) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

/** The current value of an Observable, re-rendering on change. */
export function useObservable<T>(o: Observable<T>): T {
  const [v, setV] = useState(o.value);
  useEffect(() => {
    setV(o.value);
    return o.subscribe(setV);
  }, [o]);
  return v;
}
