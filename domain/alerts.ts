import type { Selectable } from 'kysely';
import { BourseError, validateAlertRuleInput, type AlertKind, type AlertRule, type AlertRuleInput, type AlertsToShard } from '../core/index.js';
import type { AlertsTable } from '../core/store/schema.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { isUuid } from './ids.js';
import { alertFirings } from './alert-firings.js';
import { notificationOutbox } from './notification-outbox.js';
import { natsNotificationPublisher, noPublisher, type NotificationPublisher } from './notification-publisher.js';

/** An alert as the API serves it. */
export interface AlertDto extends AlertRuleInput {
  readonly id: string;
  /** `armed`: evaluated; `fired`: a once-only rule that fired (PATCH {armed:true} re-arms it). */
  readonly state: 'armed' | 'fired';
  readonly enabled: boolean;
  readonly fireCount: number;
  readonly lastFiredAt: number | null;
  readonly createdAt: number;
}

export interface AlertsPage {
  readonly alerts: AlertDto[];
  readonly nextCursor: string | null;
}

export const MAX_ALERTS_PER_PAGE = 200;

/**
 * Alert rules of investors (RPC `alerts.*`), their delivery to the shards
 * that evaluate them, and — through alert-firings.ts and
 * notification-outbox.ts — what happens when they fire.
 *
 * Shard sync: on attach a shard gets `alerts-replace` with every armed,
 * enabled rule of its symbols; each change then goes out as `alerts-upsert`
 * or `alerts-remove` to the owning shard. All shard-bound sends run through
 * one queue, so a change committed while a replace was being read can only be
 * sent after that replace (never overwritten by it).
 */
export function alertsModule(ctx: StoreContext, opts: { publisher?: NotificationPublisher } = {}): StoreModule & {
  readonly firings: ReturnType<typeof alertFirings>;
  readonly outbox: ReturnType<typeof notificationOutbox>;
  /** Resolves when every shard-bound send queued so far went out. */
  synced(): Promise<void>;
} {
  let queue: Promise<void> = Promise.resolve();
  const toShards = (fn: () => Promise<void> | void): Promise<void> => {
    const next = queue.then(fn).catch((err: unknown) => ctx.log.error({ err }, 'sending alert rules to a shard failed'));
    queue = next;
    return next;
  };
  const shardOf = (symbol: string) => ctx.directory.shardOf[ctx.universe.id(symbol)];
  const send = (shard: number, m: AlertsToShard) => ctx.sendToShard(shard, m);

  const publisher = opts.publisher ?? (ctx.config.natsUrl ? natsNotificationPublisher({ servers: ctx.config.natsUrl, prefix: ctx.config.natsAlertsPrefix, log: ctx.log }) : noPublisher);
  const outbox = notificationOutbox(ctx, publisher);
  const firings = alertFirings(ctx, {
    confirm: (shard, recorded) => send(shard, { type: 'alerts-recorded', firings: recorded }),
    recorded: () => void outbox.dispatch(),
  });

  const syncRule = (row: Selectable<AlertsTable>) =>
    toShards(() => {
      const shard = shardOf(row.symbol);
      if (shard === undefined) return;
      if (row.state === 'armed' && row.enabled) send(shard, { type: 'alerts-upsert', rules: [toRule(row)] });
      else send(shard, { type: 'alerts-remove', ids: [row.id] });
    });

  const owned = async (investorId: string, id: string) => {
    if (!isUuid(id)) throw new BourseError('alert_not_found');
    const row = await ctx.db.selectFrom('alerts').selectAll().where('id', '=', id).where('investor_id', '=', investorId).executeTakeFirst();
    if (!row) throw new BourseError('alert_not_found');
    return row;
  };

  return {
    name: 'alerts',
    firings,
    outbox,
    synced: () => queue,
    handlers: {
      'alerts.list': async (p) => {
        const q = p as { investorId: string; limit?: number; cursor?: string };
        const limit = Math.min(q.limit ?? 50, MAX_ALERTS_PER_PAGE);
        let query = ctx.db.selectFrom('alerts').selectAll().where('investor_id', '=', q.investorId);
        if (q.cursor !== undefined) {
          const c = decodeCursor(q.cursor, 'alerts', (v): v is { c: number; i: string } => typeof v === 'object' && v !== null && Number.isFinite((v as { c?: unknown }).c) && isUuid((v as { i?: unknown }).i));
          const at = new Date(c.c);
          query = query.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', c.i)])]));
        }
        const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return { alerts: page.map(toDto), nextCursor: rows.length > limit && last ? encodeCursor('alerts', { c: last.created_at.getTime(), i: last.id }) : null } satisfies AlertsPage;
      },
      'alerts.create': async (p) => {
        const q = p as { investorId: string; rule: unknown };
        const rule = validateAlertRuleInput(q.rule, (s) => ctx.universe.id(s) >= 0);
        const row = await ctx.db.transaction().execute(async (tx) => {
          // Lock the investor so two concurrent creates cannot both pass the limit.
          const inv = await tx.selectFrom('investors').select('id').where('id', '=', q.investorId).forUpdate().executeTakeFirst();
          if (!inv) throw new BourseError('unauthorized', 'no such investor');
          const { n } = await tx.selectFrom('alerts').select((eb) => eb.fn.countAll<string>().as('n')).where('investor_id', '=', q.investorId).executeTakeFirstOrThrow();
          if (Number(n) >= ctx.config.maxAlerts) throw new BourseError('too_many_alerts', `at most ${ctx.config.maxAlerts} alerts per investor`);
          return tx
            .insertInto('alerts')
            .values({
              investor_id: q.investorId,
              symbol: rule.symbol,
              kind: rule.kind,
              price: rule.price,
              threshold: rule.threshold,
              window_sec: rule.windowSec,
              rearm: rule.rearm,
              cooldown_sec: rule.cooldownSec,
              state: 'armed',
              last_fired_at: null,
              // Millisecond precision, so the keyset cursor (ms) names the row exactly.
              created_at: new Date(Math.floor(ctx.clock.now())),
            })
            .returningAll()
            .executeTakeFirstOrThrow();
        });
        await syncRule(row);
        return toDto(row);
      },
      'alerts.update': async (p) => {
        const q = p as { investorId: string; id: string; armed?: boolean; enabled?: boolean };
        const set: { state?: string; enabled?: boolean } = {};
        if (q.armed !== undefined) set.state = q.armed ? 'armed' : 'fired';
        if (q.enabled !== undefined) set.enabled = q.enabled;
        let row = await owned(q.investorId, q.id);
        if (Object.keys(set).length) {
          row = await ctx.db.updateTable('alerts').set(set).where('id', '=', q.id).where('investor_id', '=', q.investorId).returningAll().executeTakeFirstOrThrow();
        }
        await syncRule(row);
        return toDto(row);
      },
      'alerts.delete': async (p) => {
        const q = p as { investorId: string; id: string };
        if (!isUuid(q.id)) throw new BourseError('alert_not_found');
        const row = await ctx.db.deleteFrom('alerts').where('id', '=', q.id).where('investor_id', '=', q.investorId).returning(['id', 'symbol']).executeTakeFirst();
        if (!row) throw new BourseError('alert_not_found');
        await toShards(() => {
          const shard = shardOf(row.symbol);
          if (shard !== undefined) send(shard, { type: 'alerts-remove', ids: [row.id] });
        });
        return { deleted: true, id: row.id };
      },
      ...outbox.handlers,
    },
    onShardAttached(shard) {
      void toShards(async () => {
        const rows = await ctx.db.selectFrom('alerts').selectAll().where('state', '=', 'armed').where('enabled', '=', true).execute();
        const rules = rows.filter((r) => shardOf(r.symbol) === shard).map(toRule);
        send(shard, { type: 'alerts-replace', rules });
        ctx.log.info({ toShard: shard, rules: rules.length }, 'alert rules sent to shard');
      });
    },
    onShardMessage(shard, m) {
      if (m.type === 'alert-fired') firings.accept(shard, (m as unknown as { firings?: unknown }).firings);
    },
    async stop() {
      await queue;
      await firings.drain();
      await outbox.stop();
      await publisher.close();
    },
  };
}

/** The rule's own fields, as a row holds them. */
function ruleInput(r: Selectable<AlertsTable>): AlertRuleInput & { readonly id: string } {
  return {
    id: r.id,
    symbol: r.symbol,
    kind: r.kind as AlertKind,
    price: r.price,
    threshold: r.threshold,
    windowSec: r.window_sec,
    rearm: r.rearm,
    cooldownSec: r.cooldown_sec,
  };
}

export function toRule(r: Selectable<AlertsTable>): AlertRule {
  return { ...ruleInput(r), fireSeq: r.fire_count, lastFiredAt: r.last_fired_at ? r.last_fired_at.getTime() : null };
}

function toDto(r: Selectable<AlertsTable>): AlertDto {
  return {
    ...ruleInput(r),
    state: r.state as 'armed' | 'fired',
    enabled: r.enabled,
    fireCount: r.fire_count,
    lastFiredAt: r.last_fired_at ? r.last_fired_at.getTime() : null,
    createdAt: r.created_at.getTime(),
  };
}
