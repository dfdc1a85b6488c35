import { timingSafeEqual } from 'node:crypto';
import type { AdminResponse, QuarantineRequest } from '../core/index.js';
import { NO_STORE, fail, json } from './replies.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

export interface AdminDeps {
  /** BOURSE_ADMIN_TOKEN; undefined = no admin routes (they fall through to 404). */
  readonly token: string | undefined;
  /** Runs a quarantine request where the quarantine lives (the ingest thread). */
  readonly quarantine: (r: QuarantineRequest) => Promise<AdminResponse>;
}

/** Most entries one list request returns. */
const MAX_LIST = 1000;

/**
 * /admin/* on the gateway, behind `Authorization: Bearer <BOURSE_ADMIN_TOKEN>`
 * (401 `unauthorized` otherwise; compared in constant time):
 *   GET    /admin/quarantine?after=ID&limit=N   entries oldest first
 *   GET    /admin/quarantine/:id                one entry (payload base64)
 *   POST   /admin/quarantine/:id/replay         republish to the original subject
 *   DELETE /admin/quarantine/:id                drop one; DELETE /admin/quarantine drops all
 */
export function registerAdminRoutes(app: TemplatedApp, d: AdminDeps): void {
  if (!d.token) return;
  const authorised = adminGuard(d.token);
  const route = (handler: (req: HttpRequest) => QuarantineRequest | string) => (res: HttpResponse, req: HttpRequest) => {
    if (!authorised(req)) {
      fail(res, 'unauthorized', 'give Authorization: Bearer <BOURSE_ADMIN_TOKEN>', NO_STORE);
      return;
    }
    const r = handler(req);
    if (typeof r === 'string') {
      fail(res, 'invalid_argument', r, NO_STORE);
      return;
    }
    let aborted = false;
    res.onAborted(() => (aborted = true));
    d.quarantine(r).then((response) => {
      if (!aborted) reply(res, response);
    });
  };
  const id = (s: string | undefined): number | undefined => (s && /^\d{1,15}$/.test(s) ? Number(s) : undefined);
  const withId = (op: 'show' | 'replay' | 'purge') => (req: HttpRequest) => {
    const n = id(req.getParameter(0));
    return n === undefined ? 'the id must be a positive integer' : { op, id: n };
  };
  app.get('/admin/quarantine', route((req) => {
    const after = req.getQuery('after');
    const limit = req.getQuery('limit');
    const afterId = after ? id(after) : undefined;
    const n = limit ? id(limit) : 100;
    if ((after && afterId === undefined) || n === undefined || n < 1 || n > MAX_LIST) return `after must be an id and limit 1–${MAX_LIST}`;
    return { op: 'list', afterId, limit: n };
  }));
  app.get('/admin/quarantine/:id', route(withId('show')));
  app.post('/admin/quarantine/:id/replay', route(withId('replay')));
  app.del('/admin/quarantine/:id', route(withId('purge')));
  app.del('/admin/quarantine', route(() => ({ op: 'purge' })));
}

/** `Authorization: Bearer <token>` check, in constant time (every /admin route uses it). */
export function adminGuard(token: string): (req: HttpRequest) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req) => {
    const got = Buffer.from(req.getHeader('authorization'));
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
}

function reply(res: HttpResponse, r: AdminResponse): void {
  json(res, r.status, r.body, NO_STORE);
}
