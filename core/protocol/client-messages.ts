import { BourseError } from '../errors.js';
import { normaliseSymbol } from '../universe.js';
import { CHANNELS, type Channel, type ClientMessage } from './messages.js';

export interface ParseLimits {
  /** Most symbols one message may name. */
  readonly maxSymbols: number;
  /** Largest throttle accepted, ms. */
  readonly maxThrottleMs: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxSymbols: 500, maxThrottleMs: 60_000 };

/**
 * Validates a decoded client frame. Returns the typed message with symbols
 * upper-cased and defaults applied, or throws a BourseError with a protocol
 * code (malformed_frame, unknown_op, invalid_argument, invalid_symbol,
 * invalid_channel, invalid_throttle, too_many_subscriptions). Whether a
 * symbol is in the universe is the caller's check (`unknown_symbol`).
 */
export function parseClientMessage(v: unknown, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ClientMessage {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BourseError('malformed_frame', 'a client message must be an object with an "op"');
  const m = v as Record<string, unknown>;
  const id = parseId(m.id);
  switch (m.op) {
    case 'subscribe':
      return { op: 'subscribe', symbols: parseSymbols(m.symbols, limits), channels: parseChannels(m.channels, ['quotes']), throttle: parseThrottle(m.throttle, limits), ...id };
    case 'unsubscribe':
      return { op: 'unsubscribe', symbols: parseSymbols(m.symbols, limits), channels: parseChannels(m.channels, CHANNELS), ...id };
    case 'resume':
      return { op: 'resume', seqs: parseSeqs(m.seqs, limits), channels: parseChannels(m.channels, ['quotes']), throttle: parseThrottle(m.throttle, limits), ...id };
    case 'ping':
      return { op: 'ping', ...id };
    case 'auth':
      if (typeof m.token !== 'string' || m.token.length === 0 || m.token.length > 4096) throw new BourseError('invalid_argument', '"token" must be an access token (a non-empty string)');
      return { op: 'auth', token: m.token, ...id };
    case undefined:
      throw new BourseError('unknown_op', 'message has no "op"');
    default:
      throw new BourseError('unknown_op', `unknown op ${JSON.stringify(String(m.op)).slice(0, 40)}`);
  }
}

function parseId(id: unknown): { id?: string | number } {
  if (id === undefined) return {};
  if ((typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isFinite(id))) return { id };
  throw new BourseError('invalid_argument', '"id" must be a number or a string of at most 64 characters');
}

function parseSymbols(v: unknown, limits: ParseLimits): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new BourseError('invalid_argument', '"symbols" must be a non-empty array of tickers');
  if (v.length > limits.maxSymbols) throw new BourseError('too_many_subscriptions', `at most ${limits.maxSymbols} symbols per message`);
  const out = new Set<string>();
  for (const s of v) {
    const sym = normaliseSymbol(s);
    if (!sym) throw new BourseError('invalid_symbol', `${JSON.stringify(s)?.slice(0, 40)} is not a valid ticker`);
    out.add(sym);
  }
  return [...out];
}

function parseChannels(v: unknown, fallback: readonly Channel[]): Channel[] {
  if (v === undefined) return [...fallback];
  if (!Array.isArray(v) || v.length === 0) throw new BourseError('invalid_channel', `"channels" must be a non-empty array of ${CHANNELS.join(', ')}`);
  const out = new Set<Channel>();
  for (const c of v) {
    if (!CHANNELS.includes(c)) throw new BourseError('invalid_channel', `unknown channel ${JSON.stringify(c)?.slice(0, 40)}; channels are ${CHANNELS.join(', ')}`);
    out.add(c);
  }
  return [...out];
}

function parseThrottle(v: unknown, limits: ParseLimits): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > limits.maxThrottleMs) {
    throw new BourseError('invalid_throttle', `"throttle" must be an integer from 0 to ${limits.maxThrottleMs} (ms)`);
  }
  return v;
}

function parseSeqs(v: unknown, limits: ParseLimits): Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BourseError('invalid_argument', '"seqs" must be an object of symbol → last seq');
  const entries = Object.entries(v);
  if (entries.length === 0) throw new BourseError('invalid_argument', '"seqs" must name at least one symbol');
  if (entries.length > limits.maxSymbols) throw new BourseError('too_many_subscriptions', `at most ${limits.maxSymbols} symbols per message`);
  const out: Record<string, number> = {};
  for (const [s, seq] of entries) {
    const sym = normaliseSymbol(s);
    if (!sym) throw new BourseError('invalid_symbol', `${JSON.stringify(s).slice(0, 40)} is not a valid ticker`);
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) throw new BourseError('invalid_argument', `seq for ${sym} must be a non-negative integer`);
    out[sym] = seq;
  }
  return out;
}
