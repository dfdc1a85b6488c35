/** Waiting in tests: a pause, and a poll for a condition. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `cond` (sync or async) every 10 ms until it is true; after `ms`,
 * throws naming `what` (a function is called then, so it can show the last state seen).
 */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what: string | (() => string) = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(10);
  }
}
