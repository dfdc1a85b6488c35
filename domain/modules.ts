import type { StoreContext, StoreModule } from './store-context.js';
import { barsModule } from './bars.js';
import { ingestRecordsModule } from './ingest-records.js';
import { accountsModule } from './accounts.js';
import { dashboardsModule } from './dashboards.js';
import { companiesModule } from './companies.js';
import { alertsModule } from './alerts.js';

/** Secrets only the store thread holds. */
export interface StoreSecrets {
  /** PKCS#8 PEM of the RS256 signing key (access tokens). */
  readonly signingKeyPem?: string;
  readonly signingKeyId?: string;
}

/**
 * Every domain module of the store thread, in start order. Each feature adds
 * itself here (one line) and nowhere else in the thread's plumbing.
 */
export function storeModules(ctx: StoreContext, secrets: StoreSecrets): StoreModule[] {
  if (!secrets.signingKeyPem || !secrets.signingKeyId) throw new Error('the store needs the access-token signing key (StoreSecrets)');
  return [
    barsModule(ctx),
    ingestRecordsModule(ctx),
    accountsModule(ctx, { signingKeyPem: secrets.signingKeyPem, signingKeyId: secrets.signingKeyId }),
    dashboardsModule(ctx),
    companiesModule(ctx),
    alertsModule(ctx),
  ];
}
