import { Type } from '@sinclair/typebox';
import { ALERT_KINDS, MAX_ALERT_COOLDOWN_S, MAX_ALERT_WINDOW_S } from '../core/index.js';
import type { AlertDto, AlertsPage } from '../domain/alerts.js';
import type { NotificationsPage } from '../domain/notification-outbox.js';
import type { RpcClient } from '../core/rpc.js';
import type { HttpApi } from './http-api.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const AlertSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  symbol: Type.String(),
  kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))),
  price: Nullable(Type.Number()),
  threshold: Nullable(Type.Number()),
  windowSec: Nullable(Type.Integer()),
  rearm: Type.Boolean(),
  cooldownSec: Type.Integer(),
  state: Type.Union([Type.Literal('armed'), Type.Literal('fired')], { description: '`fired`: a once-only rule that fired (PATCH {armed:true} re-arms it)' }),
  enabled: Type.Boolean(),
  fireCount: Type.Integer(),
  lastFiredAt: Nullable(Type.Number({ description: 'ms since the epoch' })),
  createdAt: Type.Number({ description: 'ms since the epoch' }),
});

export const NotificationSchema = Type.Object({
  type: Type.Literal('alert'),
  id: Type.Integer({ description: 'increasing; the SSE event id (Last-Event-ID resumes after it)' }),
  alertId: Type.String({ format: 'uuid' }),
  fireSeq: Type.Integer({ description: '1, 2, … per alert' }),
  symbol: Type.String(),
  kind: Type.String(),
  message: Type.String(),
  price: Type.Number({ description: 'the trade price that fired it' }),
  value: Type.Number({ description: 'level (above/below/cross), move in % (pct_move), volume ratio (volume_spike)' }),
  firedAt: Type.Number({ description: 'event time of that trade, ms since the epoch' }),
});

const Page = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/**
 * The rule body. Types are checked by the schema (`invalid_body`); what a kind
 * needs — price for above/below/cross, threshold and windowSec for
 * pct_move/volume_spike, nothing else — by validateAlertRuleInput (`invalid_alert`).
 */
const AlertBody = Type.Object(
  {
    symbol: Type.String({ maxLength: 12, description: 'ticker' }),
    kind: Type.Union(ALERT_KINDS.map((k) => Type.Literal(k))),
    price: Type.Optional(Type.Number({ description: 'above / below / cross: the price level (> 0)' })),
    threshold: Type.Optional(Type.Number({ description: 'pct_move: percent (> 0); volume_spike: multiple of the average volume (> 1)' })),
    windowSec: Type.Optional(Type.Integer({ description: `pct_move / volume_spike: window, 1–${MAX_ALERT_WINDOW_S} s` })),
    rearm: Type.Optional(Type.Boolean({ description: 'false (default): fires once; true: fires again after the condition was false and the cooldown passed' })),
    cooldownSec: Type.Optional(Type.Integer({ description: `re-arming rules: least seconds between firings (default 300, at most ${MAX_ALERT_COOLDOWN_S})` })),
  },
  { additionalProperties: false },
);

/** /v1/alerts (CRUD) and GET /v1/notifications; the SSE stream is in notification-stream.ts. */
export function registerAlertRoutes(api: HttpApi, store: RpcClient): void {
  api.route({
    method: 'get',
    path: '/v1/alerts',
    tag: 'alerts',
    summary: "The investor's alert rules, newest first (keyset pages: pass nextCursor back as cursor).",
    auth: 'required',
    query: Page,
    responses: { 200: { description: 'a page of alerts', schema: Type.Object({ alerts: Type.Array(AlertSchema), nextCursor: Nullable(Type.String()) }) } },
    handler: async ({ principal, query }) => ({ status: 200, body: await store.call<AlertsPage>('alerts.list', { investorId: principal!.investorId, ...query }) }),
  });
  api.route({
    method: 'post',
    path: '/v1/alerts',
    tag: 'alerts',
    summary: 'Creates an alert rule, evaluated by the ticker actor on every trade from now on (at most MAX_ALERTS per investor).',
    auth: 'required',
    body: AlertBody,
    responses: { 201: { description: 'the rule', schema: AlertSchema } },
    handler: async ({ principal, body }) => ({ status: 201, body: await store.call<AlertDto>('alerts.create', { investorId: principal!.investorId, rule: body }) }),
  });
  api.route({
    method: 'patch',
    path: '/v1/alerts/:id',
    tag: 'alerts',
    summary: 'Re-arms a fired rule ({armed:true}), disarms one, or switches it off and on ({enabled}).',
    auth: 'required',
    body: Type.Object({ armed: Type.Optional(Type.Boolean()), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    responses: { 200: { description: 'the rule', schema: AlertSchema } },
    handler: async ({ principal, params, body }) => ({ status: 200, body: await store.call<AlertDto>('alerts.update', { investorId: principal!.investorId, id: params.id, ...body }) }),
  });
  api.route({
    method: 'del',
    path: '/v1/alerts/:id',
    tag: 'alerts',
    summary: 'Deletes an alert rule (its notifications stay).',
    auth: 'required',
    responses: { 204: { description: 'deleted' } },
    handler: async ({ principal, params }) => {
      await store.call('alerts.delete', { investorId: principal!.investorId, id: params.id });
      return { status: 204 };
    },
  });
  api.route({
    method: 'get',
    path: '/v1/notifications',
    tag: 'alerts',
    summary: "The investor's notifications (alert firings), newest first (keyset pages).",
    auth: 'required',
    query: Page,
    responses: { 200: { description: 'a page of notifications', schema: Type.Object({ notifications: Type.Array(NotificationSchema), nextCursor: Nullable(Type.String()) }) } },
    handler: async ({ principal, query }) => ({ status: 200, body: await store.call<NotificationsPage>('notifications.list', { investorId: principal!.investorId, ...query }) }),
  });
}
