import type { Selectable } from 'kysely';
import { BourseError } from '../core/index.js';
import type { NotificationsTable } from '../core/store/schema.js';
import type { StoreContext } from './store-context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { NotificationPublisher } from './notification-publisher.js';

/** A notification as the API, the WebSocket `alert` message and SSE events carry it. */
export interface NotificationDto {
  readonly type: 'alert';
  /** Increasing per server: SSE event id, Last-Event-ID, and the dedupe key for at-least-once delivery. */
  readonly id: number;
  readonly alertId: string;
  readonly fireSeq: number;
  readonly symbol: string;
  readonly kind: string;
  readonly message: string;
  readonly price: number;
  readonly value: number;
  /** Event time of the trade that fired it, ms since the epoch. */
  readonly firedAt: number;
}

export interface NotificationsPage {
  readonly notifications: NotificationDto[];
  readonly nextCursor: string | null;
}

/** The push a gateway routes to an investor's sessions (WebSocket and SSE). */
export interface ToInvestorPush {
  readonly push: 'to-investor';
  readonly investorId: string;
  readonly message: NotificationDto;
}

const BATCH = 500;
export const MAX_NOTIFICATIONS_PER_PAGE = 200;
/** Leftovers (rows written before a restart, a failed relay) are retried this often. */
const SWEEP_MS = 1000;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * The notifications outbox: rows are written with their firing (alert-firings.ts);
 * dispatch() relays the undispatched ones, oldest first, as `to-investor`
 * pushes to every gateway and — with NATS — on `<prefix>.alerts.<investorId>`,
 * then sets dispatched_at. A crash between relaying and marking relays those
 * rows again: delivery is at-least-once, and the id tells a repeat apart.
 * A session that was not connected reads what it missed from GET
 * /v1/notifications or by resuming the SSE stream with Last-Event-ID.
 */
export function notificationOutbox(ctx: StoreContext, publisher: NotificationPublisher) {
  const stats = { dispatched: 0, failed: 0 };
  let running: Promise<void> | undefined;
  let again = false;

  const once = async (): Promise<void> => {
    for (;;) {
      if (!publisher.connected) return;
      const rows = await ctx.db.selectFrom('notifications').selectAll().where('dispatched_at', 'is', null).orderBy('id').limit(BATCH).execute();
      if (rows.length === 0) return;
      for (const r of rows) {
        const message = toDto(r);
        ctx.pushToGateways({ push: 'to-investor', investorId: r.investor_id, message } satisfies ToInvestorPush);
        publisher.publish(r.investor_id, message);
      }
      await withTimeout(publisher.flush(), PUBLISH_TIMEOUT_MS);
      const ids = rows.map((r) => r.id);
      await ctx.db.updateTable('notifications').set({ dispatched_at: new Date(ctx.clock.now()) }).where('id', 'in', ids).execute();
      stats.dispatched += rows.length;
      if (rows.length < BATCH) return;
    }
  };

  /** Relays what is undispatched; concurrent calls coalesce into one more pass. */
  const dispatch = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await once();
        } catch (err) {
          stats.failed++;
          ctx.log.warn({ err }, 'relaying notifications failed; retrying');
        }
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  };

  const stopSweep = ctx.clock.every(SWEEP_MS, () => void dispatch());

  const list = async (p: unknown): Promise<NotificationsPage> => {
    const q = p as { investorId: string; limit?: number; cursor?: string };
    const limit = Math.min(q.limit ?? 50, MAX_NOTIFICATIONS_PER_PAGE);
    let query = ctx.db.selectFrom('notifications').selectAll().where('investor_id', '=', q.investorId);
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor, 'notifications', (v): v is { i: number } => typeof v === 'object' && v !== null && Number.isSafeInteger((v as { i?: unknown }).i));
      query = query.where('id', '<', c.i);
    }
    const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit).map(toDto);
    const last = page.at(-1);
    return { notifications: page, nextCursor: rows.length > limit && last ? encodeCursor('notifications', { i: last.id }) : null };
  };

  /** Notifications after `afterId`, oldest first (SSE resume). */
  const since = async (p: unknown): Promise<{ notifications: NotificationDto[] }> => {
    const q = p as { investorId: string; afterId: number; limit?: number };
    if (!Number.isSafeInteger(q.afterId) || q.afterId < 0) throw new BourseError('invalid_query', 'Last-Event-ID must be a notification id');
    const rows = await ctx.db
      .selectFrom('notifications')
      .selectAll()
      .where('investor_id', '=', q.investorId)
      .where('id', '>', q.afterId)
      .orderBy('id')
      .limit(Math.min(q.limit ?? 1000, 1000))
      .execute();
    return { notifications: rows.map(toDto) };
  };

  return {
    stats,
    dispatch,
    handlers: { 'notifications.list': list, 'notifications.since': since },
    async stop(): Promise<void> {
      stopSweep();
      await dispatch();
    },
  };
}

function toDto(r: Selectable<NotificationsTable>): NotificationDto {
  return {
    type: 'alert',
    id: Number(r.id),
    alertId: r.alert_id,
    fireSeq: r.fire_seq,
    symbol: r.symbol,
    kind: r.kind,
    message: r.message,
    price: r.price,
    value: r.value,
    firedAt: r.fired_at.getTime(),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
