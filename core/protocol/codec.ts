import { Packr, Unpackr } from 'msgpackr';
import type { ServerMessage, WireFormat } from './messages.js';

/**
 * Wire codecs for protocol v1. Both formats carry the same logical messages;
 * msgpack uses plain maps (no msgpackr records) so any MessagePack library
 * can read it. A server frame holds one message or an array of messages.
 */
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const encoders: Record<WireFormat, (m: ServerMessage | readonly ServerMessage[]) => Uint8Array | string> = {
  json: (m) => JSON.stringify(m),
  msgpack: (m) => packr.pack(m),
};

/** Encodes one frame in `format`: a string for JSON (text frame), bytes for msgpack (binary frame). */
export function encodeFrame(format: WireFormat, m: ServerMessage | readonly ServerMessage[]): Uint8Array | string {
  return encoders[format](m);
}

/** Decodes a server frame (client side: tests, bench, web). Always returns an array. */
export function decodeServerFrame(data: ArrayBuffer | Uint8Array | string, format: WireFormat): ServerMessage[] {
  const v = format === 'json' ? JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) : unpackr.unpack(toBytes(data));
  return Array.isArray(v) ? v : [v];
}

/** Encodes a client message (client side). */
export function encodeClientMessage(format: WireFormat, m: unknown): Uint8Array | string {
  return format === 'json' ? JSON.stringify(m) : packr.pack(m);
}

/**
 * Decodes a client frame into an unvalidated value. Throws on bytes that are
 * not JSON / MessagePack; the caller maps that to `malformed_frame`.
 */
export function decodeClientFrame(format: WireFormat, data: ArrayBuffer, isBinary: boolean): unknown {
  if (format === 'json') {
    if (isBinary) throw new TypeError('binary frame on the JSON sub-protocol');
    return JSON.parse(Buffer.from(data).toString('utf8'));
  }
  if (!isBinary) throw new TypeError('text frame on the msgpack sub-protocol');
  return unpackr.unpack(new Uint8Array(data));
}

function toBytes(data: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
