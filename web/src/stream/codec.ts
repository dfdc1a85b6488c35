import { Packr, Unpackr } from 'msgpackr';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '../../../core/protocol/messages.js';
import type { ServerMessage, WireFormat } from './types.js';

export const SUBPROTOCOLS: Readonly<Record<WireFormat, string>> = { json: SUBPROTOCOL_JSON, msgpack: SUBPROTOCOL_MSGPACK };

// Plain maps both ways (no msgpackr records): what the server speaks.
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const text = new TextDecoder();

/** Encodes a client op: a string (text frame) for JSON, bytes (binary frame) for msgpack. */
export function encodeOp(format: WireFormat, op: unknown): string | Uint8Array {
  return format === 'json' ? JSON.stringify(op) : packr.pack(op);
}

/** Decodes a server frame (one message or an array of them) into a list. Throws on bytes that are not a frame. */
export function decodeFrame(format: WireFormat, data: unknown): ServerMessage[] {
  let v: unknown;
  if (typeof data === 'string') v = JSON.parse(data);
  else {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer);
    v = format === 'json' ? JSON.parse(text.decode(bytes)) : unpackr.unpack(bytes);
  }
  const list = Array.isArray(v) ? v : [v];
  return list.filter((m): m is ServerMessage => typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string');
}
