import type { PGlite } from '@electric-sql/pglite';
import { PostgresDialect, type Dialect } from 'kysely';

/**
 * Kysely over PGlite (Postgres compiled to WASM, in this thread) through
 * Kysely's own Postgres dialect: PGlite speaks the same SQL, so only the pool
 * is adapted. PGlite is one session, so the "pool" hands out that session to
 * one borrower at a time — a transaction (BEGIN … COMMIT on one connection)
 * must never interleave with another caller's statements. Borrowers queue in
 * FIFO order. (The kysely-pglite package would do this too but brings a CLI and
 * a code generator with it.)
 */
export function pgliteDialect(pg: PGlite): Dialect {
  let tail: Promise<void> = Promise.resolve();
  const connection = {
    async query(sql: string, parameters: readonly unknown[]) {
      const r = await pg.query<Record<string, unknown>>(sql, parameters as unknown[]);
      return { command: commandOf(sql), rowCount: r.affectedRows ?? r.rows.length, rows: r.rows };
    },
    release: () => undefined,
  };
  return new PostgresDialect({
    pool: {
      // The lock is a promise chain: each borrower waits for the previous
      // one's release() before it gets the session.
      connect: () => {
        let release!: () => void;
        const previous = tail;
        tail = new Promise<void>((r) => (release = r));
        return previous.then(() => ({ query: connection.query, release: () => release() })) as never;
      },
      end: () => pg.close(),
    },
  });
}

function commandOf(sql: string): 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'UPDATE' {
  const verb = /^\s*(?:with\b[\s\S]*?\)\s*)?(select|insert|update|delete|merge)\b/i.exec(sql)?.[1]?.toUpperCase();
  return (verb ?? 'SELECT') as 'SELECT';
}
