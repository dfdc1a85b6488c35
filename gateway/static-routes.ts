import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, sep, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fail } from './replies.js';
import type { HttpResponse, TemplatedApp } from './uws.js';

/** One built file, held in memory for the life of the gateway. */
interface StaticFile {
  readonly body: Buffer;
  /** gzip of `body`, when that is smaller by a useful margin. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly cacheControl: string;
  readonly etag: string;
}

/** The web client's files by URL path (`/index.html`, `/assets/app-3f9a.js`). */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

/** Where `npm run build` puts the web client (vite's outDir), next to the compiled server. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest']);

/** Vite names bundled assets `name-<hash>.ext` under /assets/: their content never changes under that name. */
const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Reads every file under `dir` once (at gateway start) into memory, with its
 * content type, cache policy, ETag and a gzip copy. A missing directory gives
 * an empty set (the server runs without its web client; `/` answers 404).
 */
export function loadStaticFiles(dir: string = DEFAULT_WEB_DIR): StaticFiles {
  const files = new Map<string, StaticFile>();
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return files;
  }
  for (const name of names) {
    const full = join(dir, name);
    if (!statSync(full).isFile()) continue;
    const url = '/' + relative(dir, full).split(sep).join('/');
    const ext = extname(url).toLowerCase();
    const body = readFileSync(full);
    const zipped = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
    files.set(url, {
      body,
      gzip: zipped && zipped.length < body.length * 0.9 ? zipped : undefined,
      type: TYPES[ext] ?? 'application/octet-stream',
      cacheControl: HASHED.test(url) ? IMMUTABLE : ext === '.html' ? 'no-cache' : 'public, max-age=3600',
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
    });
  }
  return files;
}

/**
 * Serves the web client on GET: a built file by its path, index.html at `/`,
 * and index.html for a browser navigating to a client route (`/s/AAPL`: no
 * file extension, outside `/v1` and `/admin`, `Accept: text/html`), so
 * reloading a deep link works. Everything else — API paths, missing files, a
 * non-browser client on an unknown path — keeps the JSON 404 every other route
 * answers. More specific routes (REST, the stream) are matched before this wildcard.
 */
export function registerStaticRoutes(app: TemplatedApp, files: StaticFiles): void {
  const index = files.get('/index.html');
  app.get('/*', (res, req) => {
    const url = req.getUrl();
    const file = files.get(url) ?? (url === '/' || (isClientRoute(url) && /\btext\/html\b/.test(req.getHeader('accept'))) ? index : undefined);
    if (!file) {
      const message = index ? `no route for ${url.slice(0, 100)}` : 'the web client is not built (npm run build)';
      fail(res, 'not_found', message);
      return;
    }
    serve(res, file, req.getHeader('if-none-match'), req.getHeader('accept-encoding'));
  });
}

/** Paths the server owns whatever the Accept header says. */
const SERVER_PREFIXES = ['/v1', '/admin', '/metrics', '/healthz', '/readyz'];

function isClientRoute(url: string): boolean {
  if (SERVER_PREFIXES.some((p) => url === p || url.startsWith(p + '/'))) return false;
  const last = url.slice(url.lastIndexOf('/') + 1);
  return !last.includes('.');
}

function serve(res: HttpResponse, f: StaticFile, ifNoneMatch: string, acceptEncoding: string): void {
  res.cork(() => {
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === f.etag)) {
      res.writeStatus('304 Not Modified').writeHeader('etag', f.etag).writeHeader('cache-control', f.cacheControl).end();
      return;
    }
    const gzip = f.gzip !== undefined && /\bgzip\b/.test(acceptEncoding);
    res.writeStatus('200 OK').writeHeader('content-type', f.type).writeHeader('cache-control', f.cacheControl).writeHeader('etag', f.etag).writeHeader('vary', 'accept-encoding').writeHeader('x-content-type-options', 'nosniff');
    if (f.type.startsWith('text/html')) res.writeHeader('referrer-policy', 'same-origin').writeHeader('x-frame-options', 'DENY');
    if (gzip) res.writeHeader('content-encoding', 'gzip');
    res.end(gzip ? f.gzip! : f.body);
  });
}
