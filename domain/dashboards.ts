import { sql, type Kysely, type Transaction } from 'kysely';
import { BourseError, normaliseSymbol, type DashboardView, type DashboardsMessage } from '../core/index.js';
import type { Database } from '../core/store/schema.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { isUuid } from './ids.js';

export type { DashboardView };

export interface DashboardsPage {
  readonly dashboards: DashboardView[];
  readonly nextCursor: string | null;
}

export interface WatchlistPage {
  readonly symbols: { readonly symbol: string; readonly position: number; readonly addedAt: string }[];
  readonly nextCursor: string | null;
}

export const NAME_MAX = 100;
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;
export const MAX_SYMBOL_PAGE = 1000;

type Db = Kysely<Database> | Transaction<Database>;

/**
 * An investor's dashboards (named tracking templates), each with an ordered
 * watchlist of symbols.
 *
 * Positions are dense (0…n-1) among an investor's dashboards and within each
 * watchlist, so a position is the item's index: inserts and deletes shift the
 * items after them, moves renumber. Every change runs in one transaction that
 * first locks the investor's row, so concurrent changes by one investor (two
 * devices) serialise — limits and positions cannot be raced past — while
 * different investors never wait for each other. After the commit, the change
 * goes to every gateway as `{push: 'to-investor', investorId, message}` with a
 * `dashboards` message (docs/protocol.md), which each delivers to that
 * investor's open sessions.
 *
 * Ownership: a dashboard id that does not belong to the caller is
 * `dashboard_not_found`, exactly like one that does not exist.
 */
export function dashboardsModule(ctx: StoreContext): StoreModule {
  const { db, config, clock } = ctx;

  const push = (investorId: string, message: Omit<DashboardsMessage, 'type' | 'ts'>): void => {
    ctx.pushToGateways({ push: 'to-investor', investorId, message: { type: 'dashboards', ts: clock.now(), ...message } satisfies DashboardsMessage });
  };

  /** Runs `fn` in a transaction holding the investor's row lock. */
  const mutate = <T>(investorId: unknown, fn: (trx: Transaction<Database>, investorId: string) => Promise<T>): Promise<T> => {
    if (!isUuid(investorId)) return Promise.reject(new BourseError('unauthorized', 'the investor of this token no longer exists'));
    return db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('investors').select('id').where('id', '=', investorId).forUpdate().executeTakeFirst();
      if (!row) throw new BourseError('unauthorized', 'the investor of this token no longer exists');
      return fn(trx, investorId);
    });
  };

  const owned = async (trx: Db, investorId: string, id: unknown): Promise<{ id: string; position: number }> => {
    const row = isUuid(id) ? await trx.selectFrom('dashboards').select(['id', 'position']).where('id', '=', id).where('investor_id', '=', investorId).executeTakeFirst() : undefined;
    if (!row) throw new BourseError('dashboard_not_found');
    return row;
  };

  const touch = (trx: Db, id: string) => trx.updateTable('dashboards').set({ updated_at: new Date(clock.now()) }).where('id', '=', id).execute();

  const list = async (p: { investorId?: unknown; limit?: unknown; cursor?: unknown }): Promise<DashboardsPage> => {
    if (!isUuid(p?.investorId)) throw new BourseError('unauthorized');
    const limit = pageSize(p.limit, DEFAULT_PAGE, MAX_PAGE);
    let q = selectViews(db).where('investor_id', '=', p.investorId);
    if (p.cursor !== undefined) {
      const c = decodeCursor(String(p.cursor), 'dashboards', (v): v is { p: number; i: string } => typeof v === 'object' && v !== null && Number.isInteger((v as { p?: unknown }).p) && isUuid((v as { i?: unknown }).i));
      q = q.where((eb) => eb.or([eb('position', '>', c.p), eb.and([eb('position', '=', c.p), eb('id', '>', c.i)])]));
    }
    const rows = await q.orderBy('position').orderBy('id').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { dashboards: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor('dashboards', { p: last.position, i: last.id }) : null };
  };

  const get = async (p: { investorId?: unknown; id?: unknown }): Promise<DashboardView> => {
    if (!isUuid(p?.investorId)) throw new BourseError('unauthorized');
    return view(db, (await owned(db, p.investorId, p.id)).id);
  };

  const create = async (p: { investorId?: unknown; name?: unknown }): Promise<DashboardView> => {
    const name = checkName(p?.name);
    const d = await mutate(p?.investorId, async (trx, investorId) => {
      const { n } = await trx.selectFrom('dashboards').select((eb) => eb.fn.countAll<number>().as('n')).where('investor_id', '=', investorId).executeTakeFirstOrThrow();
      if (Number(n) >= config.maxDashboards) throw new BourseError('too_many_dashboards', `at most ${config.maxDashboards} dashboards per investor`);
      const now = new Date(clock.now());
      const row = await trx.insertInto('dashboards').values({ investor_id: investorId, name, position: Number(n), created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
      return view(trx, row.id);
    });
    push(p.investorId as string, { change: 'created', id: d.id, dashboard: d });
    return d;
  };

  const update = async (p: { investorId?: unknown; id?: unknown; name?: unknown; position?: unknown }): Promise<DashboardView> => {
    const name = p?.name === undefined ? undefined : checkName(p.name);
    const position = p?.position === undefined ? undefined : checkIndex(p.position, 'position');
    /** The investor's new dashboard order when this update moved one (as committed: the row lock keeps it). */
    let reordered: string[] | undefined;
    const d = await mutate(p?.investorId, async (trx, investorId) => {
      const row = await owned(trx, investorId, p.id);
      if (name !== undefined) await trx.updateTable('dashboards').set({ name }).where('id', '=', row.id).execute();
      if (position !== undefined && position !== row.position) {
        const ids = await order(trx, investorId);
        ids.splice(ids.indexOf(row.id), 1);
        ids.splice(Math.min(position, ids.length), 0, row.id);
        await renumberDashboards(trx, investorId, ids);
        reordered = ids;
      }
      await touch(trx, row.id);
      return view(trx, row.id);
    });
    push(p.investorId as string, { change: 'updated', id: d.id, dashboard: d });
    if (reordered) push(p.investorId as string, { change: 'reordered', order: reordered });
    return d;
  };

  const reorder = async (p: { investorId?: unknown; ids?: unknown }): Promise<{ order: string[] }> => {
    const ids = p?.ids;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw new BourseError('invalid_order', '"ids" must list every dashboard id in the new order');
    await mutate(p.investorId, async (trx, investorId) => {
      const current = await order(trx, investorId);
      if (!samePermutation(current, ids as string[])) throw new BourseError('invalid_order', `"ids" must list each of your ${current.length} dashboards exactly once`);
      await renumberDashboards(trx, investorId, ids as string[]);
    });
    push(p.investorId as string, { change: 'reordered', order: ids as string[] });
    return { order: ids as string[] };
  };

  const remove = async (p: { investorId?: unknown; id?: unknown }): Promise<{ deleted: true }> => {
    const id = await mutate(p?.investorId, async (trx, investorId) => {
      const row = await owned(trx, investorId, p.id);
      await trx.deleteFrom('dashboards').where('id', '=', row.id).execute(); // its watchlist goes with it (on delete cascade)
      await trx.updateTable('dashboards').set((eb) => ({ position: eb('position', '-', 1) })).where('investor_id', '=', investorId).where('position', '>', row.position).execute();
      return row.id;
    });
    push(p.investorId as string, { change: 'deleted', id });
    return { deleted: true };
  };

  const addSymbol = async (p: { investorId?: unknown; id?: unknown; symbol?: unknown; position?: unknown }): Promise<DashboardView> => {
    const symbol = checkSymbol(ctx, p?.symbol);
    const at = p.position === undefined ? undefined : checkIndex(p.position, 'position');
    const d = await mutate(p.investorId, async (trx, investorId) => {
      const row = await owned(trx, investorId, p.id);
      const items = await trx.selectFrom('watchlist_items').select('symbol').where('dashboard_id', '=', row.id).execute();
      if (items.some((i) => i.symbol === symbol)) throw new BourseError('symbol_already_listed', `${symbol} is already in this watchlist`);
      if (items.length >= config.maxWatchlistSymbols) throw new BourseError('watchlist_full', `at most ${config.maxWatchlistSymbols} symbols per watchlist`);
      const position = Math.min(at ?? items.length, items.length);
      if (position < items.length) {
        await trx.updateTable('watchlist_items').set((eb) => ({ position: eb('position', '+', 1) })).where('dashboard_id', '=', row.id).where('position', '>=', position).execute();
      }
      await trx.insertInto('watchlist_items').values({ dashboard_id: row.id, symbol, position, added_at: new Date(clock.now()) }).execute();
      await touch(trx, row.id);
      return view(trx, row.id);
    });
    push(p.investorId as string, { change: 'updated', id: d.id, dashboard: d });
    return d;
  };

  const removeSymbol = async (p: { investorId?: unknown; id?: unknown; symbol?: unknown }): Promise<DashboardView> => {
    const symbol = normaliseSymbol(p?.symbol);
    if (!symbol) throw new BourseError('invalid_symbol', `${JSON.stringify(String(p?.symbol)).slice(0, 40)} is not a valid ticker`);
    const d = await mutate(p.investorId, async (trx, investorId) => {
      const row = await owned(trx, investorId, p.id);
      const gone = await trx.deleteFrom('watchlist_items').where('dashboard_id', '=', row.id).where('symbol', '=', symbol).returning('position').executeTakeFirst();
      if (!gone) throw new BourseError('symbol_not_listed', `${symbol} is not in this watchlist`);
      await trx.updateTable('watchlist_items').set((eb) => ({ position: eb('position', '-', 1) })).where('dashboard_id', '=', row.id).where('position', '>', gone.position).execute();
      await touch(trx, row.id);
      return view(trx, row.id);
    });
    push(p.investorId as string, { change: 'updated', id: d.id, dashboard: d });
    return d;
  };

  const reorderSymbols = async (p: { investorId?: unknown; id?: unknown; symbols?: unknown }): Promise<DashboardView> => {
    const raw = p?.symbols;
    if (!Array.isArray(raw)) throw new BourseError('invalid_order', '"symbols" must list every symbol of the watchlist in the new order');
    const symbols = raw.map((s) => normaliseSymbol(s) ?? `\u0000${String(s)}`);
    const d = await mutate(p.investorId, async (trx, investorId) => {
      const row = await owned(trx, investorId, p.id);
      const current = (await trx.selectFrom('watchlist_items').select('symbol').where('dashboard_id', '=', row.id).execute()).map((r) => r.symbol);
      if (!samePermutation(current, symbols)) throw new BourseError('invalid_order', `"symbols" must list each of the ${current.length} symbols of this watchlist exactly once`);
      await sql`update watchlist_items w set position = u.ord - 1
        from jsonb_array_elements_text(${JSON.stringify(symbols)}::jsonb) with ordinality as u(symbol, ord)
        where w.dashboard_id = ${row.id} and w.symbol = u.symbol`.execute(trx);
      await touch(trx, row.id);
      return view(trx, row.id);
    });
    push(p.investorId as string, { change: 'updated', id: d.id, dashboard: d });
    return d;
  };

  const symbols = async (p: { investorId?: unknown; id?: unknown; limit?: unknown; cursor?: unknown }): Promise<WatchlistPage> => {
    if (!isUuid(p?.investorId)) throw new BourseError('unauthorized');
    const row = await owned(db, p.investorId, p.id);
    const limit = pageSize(p.limit, MAX_SYMBOL_PAGE, MAX_SYMBOL_PAGE);
    let q = db.selectFrom('watchlist_items').select(['symbol', 'position', 'added_at']).where('dashboard_id', '=', row.id);
    if (p.cursor !== undefined) {
      const c = decodeCursor(String(p.cursor), 'watchlist', (v): v is { d: string; p: number } => typeof v === 'object' && v !== null && (v as { d?: unknown }).d === row.id && Number.isInteger((v as { p?: unknown }).p));
      q = q.where('position', '>', c.p);
    }
    const rows = await q.orderBy('position').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      symbols: page.map((r) => ({ symbol: r.symbol, position: r.position, addedAt: r.added_at.toISOString() })),
      nextCursor: rows.length > limit && last ? encodeCursor('watchlist', { d: row.id, p: last.position }) : null,
    };
  };

  return {
    name: 'dashboards',
    handlers: {
      'dashboards.list': (p) => list(p as never),
      'dashboards.get': (p) => get(p as never),
      'dashboards.create': (p) => create(p as never),
      'dashboards.update': (p) => update(p as never),
      'dashboards.reorder': (p) => reorder(p as never),
      'dashboards.delete': (p) => remove(p as never),
      'dashboards.addSymbol': (p) => addSymbol(p as never),
      'dashboards.removeSymbol': (p) => removeSymbol(p as never),
      'dashboards.reorderSymbols': (p) => reorderSymbols(p as never),
      'dashboards.symbols': (p) => symbols(p as never),
    },
  };
}

async function order(trx: Db, investorId: string): Promise<string[]> {
  return (await trx.selectFrom('dashboards').select('id').where('investor_id', '=', investorId).orderBy('position').orderBy('id').execute()).map((r) => r.id);
}

/** Positions 0…n-1 in the order of `ids` (one statement). */
async function renumberDashboards(trx: Db, investorId: string, ids: readonly string[]): Promise<void> {
  await sql`update dashboards d set position = u.ord - 1
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality as u(id, ord)
    where d.investor_id = ${investorId} and d.id = u.id::uuid`.execute(trx);
}

/**
 * Dashboards with their watchlists in one statement: each row carries its
 * symbols in order as an array (a correlated subquery on the
 * (dashboard_id, position) index), so a page is one round trip.
 */
function selectViews(trx: Db) {
  return trx
    .selectFrom('dashboards')
    .select(['id', 'name', 'position', 'created_at', 'updated_at'])
    .select(sql<string[]>`coalesce((select array_agg(w.symbol order by w.position) from watchlist_items w where w.dashboard_id = dashboards.id), '{}')`.as('symbols'));
}

function toView(r: { id: string; name: string; position: number; created_at: Date; updated_at: Date; symbols: string[] }): DashboardView {
  return { id: r.id, name: r.name, position: r.position, symbols: r.symbols, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}

async function view(trx: Db, id: string): Promise<DashboardView> {
  return toView(await selectViews(trx).where('id', '=', id).executeTakeFirstOrThrow());
}

function checkName(v: unknown): string {
  const name = typeof v === 'string' ? v.trim() : '';
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) throw new BourseError('invalid_argument', `"name" must be 1–${NAME_MAX} characters without control characters`);
  return name;
}

function checkIndex(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100_000) throw new BourseError('invalid_argument', `"${field}" must be a non-negative integer`);
  return v;
}

function checkSymbol(ctx: StoreContext, v: unknown): string {
  const symbol = normaliseSymbol(v);
  if (!symbol) throw new BourseError('invalid_symbol', `${JSON.stringify(String(v)).slice(0, 40)} is not a valid ticker`);
  if (ctx.universe.id(symbol) < 0) throw new BourseError('unknown_symbol', `${symbol} is not in the universe`);
  return symbol;
}

function pageSize(v: unknown, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new BourseError('invalid_argument', `"limit" must be an integer from 1 to ${max}`);
  return v;
}

function samePermutation(current: readonly string[], proposed: readonly string[]): boolean {
  if (current.length !== proposed.length || new Set(proposed).size !== proposed.length) return false;
  const have = new Set(current);
  return proposed.every((x) => have.has(x));
}
