import { sql } from 'kysely';
import { ALERT_KINDS, describeFiring, traceAlertFiring, type AlertFiring } from '../core/index.js';
import type { StoreContext } from './store-context.js';
import { isUuid } from './ids.js';

/** Firings waiting to be recorded; past this the newest batch is refused (the shard resends it on reattach). */
const MAX_QUEUED = 50_000;

/**
 * Records the firings shards report, exactly once each.
 *
 * A firing (alertId, fireSeq) is recorded by one transaction: a conditional
 * update of the alert — `fire_count < fireSeq`, and for a once-only rule
 * `state = 'armed'` (then set to `fired`) — and, only if that update matched,
 * the insert of its notification row (unique on (alert_id, fire_seq)). A
 * repeat of a recorded firing (the shard resending after the store
 * restarted, or a rule re-sent to a shard while its firing was in flight)
 * matches no row and inserts nothing. Either way the shard is told the firing
 * is settled (`alerts-recorded`) so it stops resending it. Firings are
 * recorded one batch at a time, in arrival order.
 */
export function alertFirings(
  ctx: StoreContext,
  hooks: { confirm: (shard: number, firings: { alertId: string; fireSeq: number }[]) => void; recorded: () => void },
) {
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const stats = { recorded: 0, repeats: 0, invalid: 0, failed: 0, refused: 0 };

  /** Records one firing; resolves to the alert's investor id when this call recorded it, undefined for a repeat. */
  const recordOne = async (f: AlertFiring): Promise<string | undefined> =>
    ctx.db.transaction().execute(async (tx) => {
      const alert = await tx
        .updateTable('alerts')
        .set({
          fire_count: f.fireSeq,
          last_fired_at: new Date(f.firedAt),
          state: sql<string>`case when rearm then 'armed' else 'fired' end`,
        })
        .where('id', '=', f.alertId)
        .where('fire_count', '<', f.fireSeq)
        .where('state', '=', 'armed')
        .where('enabled', '=', true)
        .returning(['investor_id', 'window_sec'])
        .executeTakeFirst();
      if (!alert) return undefined;
      const r = await tx
        .insertInto('notifications')
        .values({
          investor_id: alert.investor_id,
          alert_id: f.alertId,
          fire_seq: f.fireSeq,
          symbol: f.symbol,
          kind: f.kind,
          message: describeFiring(f, alert.window_sec),
          price: f.price,
          value: f.value,
          fired_at: new Date(f.at),
        })
        .onConflict((oc) => oc.columns(['alert_id', 'fire_seq']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0 ? alert.investor_id : undefined;
    });

  const record = async (shard: number, firings: AlertFiring[]): Promise<void> => {
    const settled: { alertId: string; fireSeq: number }[] = [];
    let any = false;
    for (const f of firings) {
      try {
        const investorId = await recordOne(f);
        if (investorId !== undefined) {
          stats.recorded++;
          any = true;
          // Once per firing, after its commit: an `alert.fire` span (a no-op while tracing is off).
          traceAlertFiring({ alertId: f.alertId, symbol: f.symbol, rule: f.kind, value: f.value, investorId });
        } else {
          stats.repeats++;
        }
        settled.push({ alertId: f.alertId, fireSeq: f.fireSeq });
      } catch (err) {
        // Left unconfirmed: the shard sends it again when it next attaches.
        stats.failed++;
        ctx.log.warn({ err, alertId: f.alertId, fireSeq: f.fireSeq }, 'recording an alert firing failed');
      }
    }
    if (settled.length) hooks.confirm(shard, settled);
    if (any) hooks.recorded();
  };

  return {
    stats,
    /** Queues a shard's `alert-fired` batch (validated here: it crossed a thread). */
    accept(shard: number, raw: unknown): void {
      if (!Array.isArray(raw)) {
        stats.invalid++;
        return;
      }
      const firings = raw.filter(validFiring);
      stats.invalid += raw.length - firings.length;
      if (firings.length === 0) return;
      if (queued + firings.length > MAX_QUEUED) {
        stats.refused += firings.length;
        ctx.log.error({ fromShard: shard, firings: firings.length }, 'alert firing queue full (database slow?); batch refused');
        return;
      }
      queued += firings.length;
      chain = chain.then(() => record(shard, firings)).finally(() => (queued -= firings.length));
    },
    /** Resolves when every queued batch has been handled. */
    async drain(): Promise<void> {
      let c: Promise<void>;
      do {
        c = chain;
        await c.catch(() => undefined);
      } while (c !== chain);
    },
  };
}

function validFiring(f: unknown): f is AlertFiring {
  const x = f as AlertFiring;
  return (
    typeof x === 'object' && x !== null && isUuid(x.alertId) &&
    Number.isInteger(x.fireSeq) && x.fireSeq > 0 && x.fireSeq < 2 ** 31 &&
    typeof x.symbol === 'string' && (ALERT_KINDS as readonly string[]).includes(x.kind) &&
    Number.isFinite(x.price) && Number.isFinite(x.value) && Number.isFinite(x.at) && Number.isFinite(x.firedAt)
  );
}
