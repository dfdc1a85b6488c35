import type { TemplatedApp } from './uws.js';

/** The aggregated exposition of the whole process, as the supervisor builds it. */
export interface Exposition {
  readonly contentType: string;
  readonly text: string;
}

/**
 * GET /metrics: one Prometheus exposition for the whole process, whichever
 * gateway thread the scrape lands on. The gateway asks the supervisor, which
 * gathers every thread's registry (cli/metrics.ts); `collect` resolves
 * undefined when the supervisor did not answer in time (503).
 */
export function registerMetricsRoute(app: TemplatedApp, collect: () => Promise<Exposition | undefined>): void {
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    collect().then(
      (e) => {
        if (aborted) return;
        res.cork(() => {
          if (!e) {
            res.writeStatus('503 Service Unavailable').writeHeader('content-type', 'text/plain; charset=utf-8').end('metrics unavailable: the supervisor did not answer in time\n');
            return;
          }
          res.writeHeader('content-type', e.contentType).writeHeader('cache-control', 'no-store').end(e.text);
        });
      },
      () => undefined,
    );
  });
}
