import { BourseError } from '../core/index.js';

/**
 * Opaque keyset cursors: base64url of a small JSON position tagged with the
 * list it belongs to. A cursor from another list, or one a client edited into
 * something unparseable, is `invalid_cursor` — never an unchecked value in SQL.
 */
export function encodeCursor(list: string, position: object): string {
  return Buffer.from(JSON.stringify({ l: list, p: position })).toString('base64url');
}

export function decodeCursor<T>(cursor: string, list: string, valid: (p: unknown) => p is T): T {
  let parsed: unknown;
  try {
    if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('shape');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BourseError('invalid_cursor');
  }
  const c = parsed as { l?: unknown; p?: unknown };
  if (typeof c !== 'object' || c === null || c.l !== list || !valid(c.p)) throw new BourseError('invalid_cursor');
  return c.p;
}
