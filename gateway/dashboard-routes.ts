import { Type } from '@sinclair/typebox';
import type { RpcClient } from '../core/rpc.js';
import { MAX_PAGE, MAX_SYMBOL_PAGE, NAME_MAX, type DashboardView, type DashboardsPage, type WatchlistPage } from '../domain/dashboards.js';
import type { HttpApi } from './http-api.js';

export const DashboardSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  position: Type.Integer({ description: 'index among the investor\'s dashboards (0 = first)' }),
  symbols: Type.Array(Type.String(), { description: 'the watchlist, in order' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Name = Type.String({ minLength: 1, maxLength: NAME_MAX, pattern: '\\S' });
const Index = (description: string) => Type.Integer({ minimum: 0, maximum: 100_000, description });
const Symbol = Type.String({ minLength: 1, maxLength: 12, description: 'ticker (case-insensitive)' });
const Cursor = Type.Optional(Type.String({ maxLength: 512 }));

/**
 * /v1/dashboards: an investor's dashboards and their watchlists. Every route
 * needs an access token and only ever sees the caller's dashboards; every
 * change is also pushed to the caller's open stream sessions (`dashboards`
 * messages, docs/protocol.md).
 */
export function registerDashboardRoutes(api: HttpApi, store: RpcClient): void {
  const call = <T>(method: string, params: object) => store.call<T>(`dashboards.${method}`, params);
  const tag = 'dashboards';

  api.route({
    method: 'get',
    path: '/v1/dashboards',
    tag,
    summary: 'The caller\'s dashboards in their order, each with its watchlist; keyset pages.',
    auth: 'required',
    query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50 })), cursor: Cursor }, { additionalProperties: false }),
    responses: { 200: { description: 'a page of dashboards', schema: Type.Object({ dashboards: Type.Array(DashboardSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } },
    handler: async ({ principal, query }) => ({ status: 200, body: await call<DashboardsPage>('list', { investorId: principal!.investorId, ...query }) }),
  });

  api.route({
    method: 'post',
    path: '/v1/dashboards',
    tag,
    summary: 'Creates a dashboard (last in order) with an empty watchlist. 422 too_many_dashboards past MAX_DASHBOARDS.',
    auth: 'required',
    body: Type.Object({ name: Name }, { additionalProperties: false }),
    responses: { 201: { description: 'the new dashboard', schema: DashboardSchema } },
    handler: async ({ principal, body }) => ({ status: 201, body: await call<DashboardView>('create', { investorId: principal!.investorId, name: body.name }) }),
  });

  api.route({
    method: 'put',
    path: '/v1/dashboards/order',
    tag,
    summary: 'Reorders the caller\'s dashboards: `ids` lists every one of them exactly once (400 invalid_order otherwise).',
    auth: 'required',
    body: Type.Object({ ids: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 }) }, { additionalProperties: false }),
    responses: { 200: { description: 'the new order', schema: Type.Object({ order: Type.Array(Type.String()) }) } },
    handler: async ({ principal, body }) => ({ status: 200, body: await call<{ order: string[] }>('reorder', { investorId: principal!.investorId, ids: body.ids }) }),
  });

  api.route({
    method: 'get',
    path: '/v1/dashboards/:id',
    tag,
    summary: 'One dashboard with its watchlist.',
    auth: 'required',
    responses: { 200: { description: 'the dashboard', schema: DashboardSchema } },
    handler: async ({ principal, params }) => ({ status: 200, body: await call<DashboardView>('get', { investorId: principal!.investorId, id: params.id }) }),
  });

  api.route({
    method: 'patch',
    path: '/v1/dashboards/:id',
    tag,
    summary: 'Renames a dashboard and/or moves it to `position` (0 = first; past the end = last); the others shift.',
    auth: 'required',
    body: Type.Object({ name: Type.Optional(Name), position: Type.Optional(Index('new index among the dashboards')) }, { additionalProperties: false, minProperties: 1 }),
    responses: { 200: { description: 'the dashboard', schema: DashboardSchema } },
    handler: async ({ principal, params, body }) => ({ status: 200, body: await call<DashboardView>('update', { investorId: principal!.investorId, id: params.id, ...body }) }),
  });

  api.route({
    method: 'del',
    path: '/v1/dashboards/:id',
    tag,
    summary: 'Deletes a dashboard and its watchlist; the dashboards after it move up.',
    auth: 'required',
    responses: { 204: { description: 'deleted' } },
    handler: async ({ principal, params }) => {
      await call('delete', { investorId: principal!.investorId, id: params.id });
      return { status: 204 };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/dashboards/:id/symbols',
    tag,
    summary: 'A dashboard\'s watchlist as keyset pages (for long watchlists; GET /v1/dashboards/:id has it whole).',
    auth: 'required',
    query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SYMBOL_PAGE, default: MAX_SYMBOL_PAGE })), cursor: Cursor }, { additionalProperties: false }),
    responses: {
      200: {
        description: 'a page of the watchlist',
        schema: Type.Object({ symbols: Type.Array(Type.Object({ symbol: Type.String(), position: Type.Integer(), addedAt: Type.String({ format: 'date-time' }) })), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
      },
    },
    handler: async ({ principal, params, query }) => ({ status: 200, body: await call<WatchlistPage>('symbols', { investorId: principal!.investorId, id: params.id, ...query }) }),
  });

  api.route({
    method: 'post',
    path: '/v1/dashboards/:id/symbols',
    tag,
    summary: 'Adds a symbol to the watchlist, last or at `position`. invalid_symbol, unknown_symbol, symbol_already_listed, watchlist_full (MAX_WATCHLIST_SYMBOLS).',
    auth: 'required',
    body: Type.Object({ symbol: Symbol, position: Type.Optional(Index('index to insert at; default: last')) }, { additionalProperties: false }),
    responses: { 201: { description: 'the dashboard', schema: DashboardSchema } },
    handler: async ({ principal, params, body }) => ({ status: 201, body: await call<DashboardView>('addSymbol', { investorId: principal!.investorId, id: params.id, ...body }) }),
  });

  api.route({
    method: 'put',
    path: '/v1/dashboards/:id/symbols',
    tag,
    summary: 'Reorders the watchlist: `symbols` lists every symbol in it exactly once (400 invalid_order otherwise).',
    auth: 'required',
    body: Type.Object({ symbols: Type.Array(Type.String({ maxLength: 12 }), { maxItems: 10_000 }) }, { additionalProperties: false }),
    responses: { 200: { description: 'the dashboard', schema: DashboardSchema } },
    handler: async ({ principal, params, body }) => ({ status: 200, body: await call<DashboardView>('reorderSymbols', { investorId: principal!.investorId, id: params.id, symbols: body.symbols }) }),
  });

  api.route({
    method: 'del',
    path: '/v1/dashboards/:id/symbols/:symbol',
    tag,
    summary: 'Removes a symbol from the watchlist (404 symbol_not_listed if absent).',
    auth: 'required',
    responses: { 200: { description: 'the dashboard', schema: DashboardSchema } },
    handler: async ({ principal, params }) => ({ status: 200, body: await call<DashboardView>('removeSymbol', { investorId: principal!.investorId, id: params.id, symbol: params.symbol }) }),
  });
}
