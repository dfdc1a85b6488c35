import { Packr, Unpackr } from 'msgpackr';
import { TICK_FIELDS, TickField, TickKind, type Tick } from '../../core/tick.js';
import { SYMBOL_PATTERN, type Universe } from '../../core/universe.js';

/**
 * The wire form of one tick in stream MARKET: a subject that names the kind
 * and the symbol, and a versioned MessagePack payload.
 *
 * Subject: `<prefix>.trade.<TOKEN>` or `<prefix>.quote.<TOKEN>` (prefix `md`
 * in production). TOKEN is the ticker with '.' written as '_' (BRK.B →
 * BRK_B), because '.' separates NATS subject tokens; tickers never contain
 * '_' (SYMBOL_PATTERN), so the mapping is one-to-one.
 *
 * Payload, schema v1: one MessagePack map with short string keys (plain maps,
 * no msgpackr records, so any MessagePack library can produce it):
 *
 *   key  type          required   meaning
 *   v    int           always     schema version, 1
 *   s    string        always     ticker, upper case (must match the subject's TOKEN)
 *   k    "t" | "q"     always     trade or quote (must match the subject's kind)
 *   p    float > 0     trade      trade price
 *   z    float ≥ 0     trade      trade size (shares)
 *   b    float ≥ 0     quote      best bid (trades: optional, 0 or absent = none)
 *   a    float ≥ 0     quote      best ask (likewise)
 *   bz   float ≥ 0     quote      bid size (likewise)
 *   az   float ≥ 0     quote      ask size (likewise)
 *   t    float > 0     always     event time at the source, ms since the epoch
 *   n    int 1..2^53-1 always     source sequence: increases per symbol across
 *                                 trades and quotes; the actors drop a tick whose
 *                                 n is not above the last one applied (redelivery
 *                                 dedupe), so a producer must never reuse or lower it
 *
 * Unknown keys are ignored (a v1 producer may add optional fields); any change
 * to the meaning of a key is a new version. A consumer rejects what it cannot
 * apply with one reason code (below) and never throws on bad input.
 */
export const TICK_SCHEMA_VERSION = 1;

/** Why a message could not become a tick. Stable codes: they name quarantine entries. */
export const RejectReason = {
  /** Not MessagePack, trailing bytes, or not a map. */
  undecodable: 'undecodable',
  /** `v` is missing or not a version this build reads. */
  unknownVersion: 'unknown_version',
  /** A required field is missing, has the wrong type or is out of range. */
  invalidField: 'invalid_field',
  /** The subject is not a tick subject, or its kind or symbol differs from the payload's. */
  subjectMismatch: 'subject_mismatch',
  /** A well-formed ticker that is not in this server's universe. */
  unknownSymbol: 'unknown_symbol',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export type DecodeResult = { readonly ok: true; readonly tick: Tick; readonly symbol: string } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The subject token for a ticker ('.' → '_'). */
export function symbolToken(symbol: string): string {
  return symbol.includes('.') ? symbol.replaceAll('.', '_') : symbol;
}

/** The subject a tick of `kind` for `symbol` is published on. */
export function tickSubject(prefix: string, kind: TickKind, symbol: string): string {
  return `${prefix}.${kind === TickKind.trade ? 'trade' : 'quote'}.${symbolToken(symbol)}`;
}

/** Parses a tick subject; undefined when it is not `<prefix>.(trade|quote).<TOKEN>`. */
export function parseTickSubject(prefix: string, subject: string): { kind: TickKind; symbol: string } | undefined {
  if (subject.length <= prefix.length + 1 || !subject.startsWith(prefix) || subject.charCodeAt(prefix.length) !== 0x2e) return undefined;
  const rest = subject.slice(prefix.length + 1);
  const dot = rest.indexOf('.');
  if (dot < 0) return undefined;
  const kindToken = rest.slice(0, dot);
  const kind = kindToken === 'trade' ? TickKind.trade : kindToken === 'quote' ? TickKind.quote : undefined;
  const token = rest.slice(dot + 1);
  if (kind === undefined || token.length === 0 || token.includes('.')) return undefined;
  return { kind, symbol: token.replaceAll('_', '.') };
}

/**
 * Encodes record `index` of `records` (core/tick.ts layout) for `symbol` as a
 * v1 payload. `n` overrides the record's sourceSeq (publishers assign one when
 * the record has none). Zero optional fields are left out.
 */
export function encodeTick(records: Float64Array, index: number, symbol: string, n = records[index * TICK_FIELDS + TickField.sourceSeq]): Uint8Array {
  const o = index * TICK_FIELDS;
  const trade = records[o + TickField.kind] === TickKind.trade;
  const m: Record<string, string | number> = { v: TICK_SCHEMA_VERSION, s: symbol, k: trade ? 't' : 'q' };
  if (trade) {
    m.p = records[o + TickField.price];
    m.z = records[o + TickField.size];
  }
  const b = records[o + TickField.bid];
  const a = records[o + TickField.ask];
  const bz = records[o + TickField.bidSize];
  const az = records[o + TickField.askSize];
  if (!trade || b !== 0) m.b = b;
  if (!trade || a !== 0) m.a = a;
  if (!trade || bz !== 0) m.bz = bz;
  if (!trade || az !== 0) m.az = az;
  m.t = records[o + TickField.eventTs];
  m.n = n;
  return packr.pack(m);
}

/**
 * Decodes and validates one MARKET message. Never throws: bad input yields
 * `{ ok: false, reason, detail }`. The tick's `arrival` is 0 (the router
 * stamps it) and its `symbol` is the universe id.
 */
export function decodeTick(bytes: Uint8Array, subject: string, prefix: string, universe: Universe): DecodeResult {
  let m: unknown;
  try {
    m = unpackr.unpack(bytes);
  } catch (err) {
    return fail(RejectReason.undecodable, `not MessagePack: ${(err as Error).message}`);
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m) || m instanceof Uint8Array) return fail(RejectReason.undecodable, 'payload is not a map');
  const r = m as Record<string, unknown>;
  if (r.v !== TICK_SCHEMA_VERSION) return fail(RejectReason.unknownVersion, `schema version ${describe(r.v)} is not supported (expected ${TICK_SCHEMA_VERSION})`);

  const k = own(r, 'k');
  const kind = k === 't' ? TickKind.trade : k === 'q' ? TickKind.quote : undefined;
  if (kind === undefined) return fail(RejectReason.invalidField, `k must be "t" or "q", got ${describe(k)}`);
  const s = own(r, 's');
  if (typeof s !== 'string' || !SYMBOL_PATTERN.test(s)) return fail(RejectReason.invalidField, `s must be an upper-case ticker, got ${describe(s)}`);

  const where = parseTickSubject(prefix, subject);
  if (!where) return fail(RejectReason.subjectMismatch, `subject ${subject} is not ${prefix}.trade.<SYMBOL> or ${prefix}.quote.<SYMBOL>`);
  if (where.kind !== kind) return fail(RejectReason.subjectMismatch, `payload kind "${k}" on subject ${subject}`);
  if (where.symbol !== s) return fail(RejectReason.subjectMismatch, `payload symbol ${s} on subject ${subject}`);

  const trade = kind === TickKind.trade;
  // Quotes carry no trade fields: p and z on a quote are ignored, not validated.
  const price = trade ? num(r, 'p', true, true) : 0;
  const size = trade ? num(r, 'z', true, false) : 0;
  const bid = num(r, 'b', !trade, false);
  const ask = num(r, 'a', !trade, false);
  const bidSize = num(r, 'bz', !trade, false);
  const askSize = num(r, 'az', !trade, false);
  const eventTs = num(r, 't', true, true);
  for (const [key, v] of [['p', price], ['z', size], ['b', bid], ['a', ask], ['bz', bidSize], ['az', askSize], ['t', eventTs]] as const) {
    if (typeof v === 'string') return fail(RejectReason.invalidField, `${key} ${v}`);
  }
  const n = own(r, 'n');
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return fail(RejectReason.invalidField, `n must be an integer in 1..2^53-1, got ${describe(n)}`);

  const id = universe.id(s);
  if (id < 0) return fail(RejectReason.unknownSymbol, `${s} is not in the universe`);
  return {
    ok: true,
    symbol: s,
    tick: {
      symbol: id,
      kind,
      price: price as number,
      size: size as number,
      bid: bid as number,
      ask: ask as number,
      bidSize: bidSize as number,
      askSize: askSize as number,
      eventTs: eventTs as number,
      arrival: 0,
      sourceSeq: n,
    },
  };
}

function fail(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

function own(r: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(r, key) ? r[key] : undefined;
}

/** A finite number ≥ 0 (> 0 when `positive`); 0 when absent and optional; a string explaining the fault otherwise. */
function num(r: Record<string, unknown>, key: string, required: boolean, positive: boolean): number | string {
  const v = own(r, key);
  if (v === undefined) return required ? 'is missing' : 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a finite number, got ${describe(v)}`;
  if (positive ? !(v > 0) : !(v >= 0)) return `must be ${positive ? '> 0' : '≥ 0'}, got ${v}`;
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return typeof v === 'bigint' ? `${v}n` : typeof v;
}
