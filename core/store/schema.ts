import type { ColumnType, Generated } from 'kysely';

/**
 * The database as Kysely sees it: one interface per table. Timestamps are
 * `timestamptz` (Date in and out); ids are uuid strings except the outbox and
 * quarantine, whose bigint identity gives their keyset order.
 */
export interface Database {
  companies: CompaniesTable;
  investors: InvestorsTable;
  refresh_tokens: RefreshTokensTable;
  dashboards: DashboardsTable;
  watchlist_items: WatchlistItemsTable;
  alerts: AlertsTable;
  notifications: NotificationsTable;
  bars_1m: Bars1mTable;
  quarantined_messages: QuarantinedMessagesTable;
  consumer_offsets: ConsumerOffsetsTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface CompaniesTable {
  ticker: string;
  cik: number | null;
  name: string;
  exchange: string | null;
  sic: number | null;
  industry: string | null;
  updated_at: UpdatedAt;
}

export interface InvestorsTable {
  id: Generated<string>;
  /** Lower-cased; unique. */
  email: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts). */
  password_hash: string;
  created_at: CreatedAt;
}

/**
 * Refresh tokens are opaque random strings; only their SHA-256 is stored. A
 * family is one login's chain of rotations: presenting a used token again
 * (reuse) revokes the whole family.
 */
export interface RefreshTokensTable {
  id: Generated<string>;
  investor_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date;
  created_at: CreatedAt;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface DashboardsTable {
  id: Generated<string>;
  investor_id: string;
  name: string;
  position: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WatchlistItemsTable {
  dashboard_id: string;
  symbol: string;
  position: number;
  added_at: CreatedAt;
}

export interface AlertsTable {
  id: Generated<string>;
  investor_id: string;
  symbol: string;
  kind: string;
  price: number | null;
  threshold: number | null;
  window_sec: number | null;
  rearm: boolean;
  cooldown_sec: number;
  /** `armed` (evaluated by the owning actor) or `fired` (once-only rule that fired). */
  state: string;
  /** Firings recorded; also the fire sequence of the last one (a firing with fireSeq ≤ this is a repeat). */
  fire_count: Generated<number>;
  /** false: kept but not evaluated (PATCH {enabled:false}). Migration 0002. */
  enabled: Generated<boolean>;
  last_fired_at: Date | null;
  created_at: CreatedAt;
}

/** The outbox: one row per firing, unique per (alert, fire_seq); dispatched_at marks it relayed (NATS). */
export interface NotificationsTable {
  id: Generated<number>;
  investor_id: string;
  alert_id: string;
  fire_seq: number;
  symbol: string;
  kind: string;
  message: string;
  price: number;
  value: number;
  fired_at: Date;
  created_at: CreatedAt;
  dispatched_at: Date | null;
}

export interface Bars1mTable {
  symbol: string;
  start: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

export interface QuarantinedMessagesTable {
  id: Generated<number>;
  stream: string;
  stream_seq: number;
  subject: string;
  reason: string;
  detail: string | null;
  headers: ColumnType<Record<string, string[]>, string, string>;
  payload: Uint8Array;
  delivery_count: number;
  quarantined_at: Date;
  replayed_at: Date | null;
}

export interface ConsumerOffsetsTable {
  consumer: string;
  stream: string;
  last_seq: number;
  updated_at: UpdatedAt;
}
