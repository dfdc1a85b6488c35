/**
 * Port: once-only firing of an alert across threads, restarts and nodes.
 *
 * claim(alertId, fireSeq) resolves true for exactly one caller per
 * (alertId, fireSeq) pair within the latch's TTL, false for every other. A
 * caller numbers each firing of a rule (fireSeq: 1 for a one-shot rule, +1
 * per re-arm), claims it, and delivers only when it won; a second node, or a
 * restarted shard re-evaluating the same tick, loses the claim. Nothing calls
 * it yet: on one node the store's conditional update on the alert's fire
 * count already records each firing once (docs/alerts.md); the port is kept
 * for a deployment with several nodes.
 *
 * Contract: claim() is atomic (Redis: SET NX with a TTL; in-process: one
 * thread's map). It rejects with BourseError `redis_unavailable` when the
 * latch's store cannot be reached: the caller decides whether to retry, hold
 * the firing, or deliver at-least-once. A claim is forgotten after the TTL,
 * which must exceed the longest time two claimants of one firing can be apart
 * (a redelivery, a restart).
 */
export interface AlertLatch {
  claim(alertId: string | number, fireSeq: number): Promise<boolean>;
  /** Releases what the latch holds (a connection stays with whoever opened it). */
  close(): Promise<void>;
}

/** The key of one firing's latch. */
export function latchKey(prefix: string, alertId: string | number, fireSeq: number): string {
  return `${prefix}alert-latch:${alertId}:${fireSeq}`;
}

/** Validates claim() arguments (programming errors, not client input). */
export function checkClaim(alertId: string | number, fireSeq: number): void {
  if (String(alertId) === '' || String(alertId).length > 200) throw new RangeError('alertId must be a non-empty string of at most 200 characters');
  if (!(Number.isSafeInteger(fireSeq) && fireSeq >= 0)) throw new RangeError(`fireSeq must be a non-negative integer, got ${fireSeq}`);
}
