import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002alerts from './0002-alert-enabled.js';

/**
 * The one migration set, for Postgres and PGlite alike. Listed here rather
 * than read from a folder so the compiled output and tests need no file
 * scanning; names sort in the order they apply. Never edit a migration that
 * has shipped: add the next one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': m0001,
  '0002-alert-enabled': m0002alerts,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
