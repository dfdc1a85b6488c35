import type { TSchema } from '@sinclair/typebox';
import type { RouteSpec } from './http-api.js';

/**
 * The OpenAPI 3.1 document for the REST routes, built from the same TypeBox
 * schemas the handlers validate with (TypeBox schemas are JSON Schema), so the
 * document cannot drift from what the server enforces.
 */
export function openApiDocument(routes: readonly RouteSpec[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const method = r.method === 'del' ? 'delete' : r.method;
    const parameters: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const q = r.query as (TSchema & { properties?: Record<string, TSchema>; required?: string[] }) | undefined;
    for (const [name, schema] of Object.entries(q?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: q?.required?.includes(name) ?? false, schema: plain(schema), description: schema.description });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = spec.schema ? { description: spec.description, content: { [contentTypeOf(r)]: { schema: plain(spec.schema) } } } : { description: spec.description };
    }
    responses.default = { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    (paths[path] ??= {})[method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } } : {}),
      ...(r.auth === 'required' ? { security: [{ bearer: [] }] } : r.auth === 'optional' ? { security: [{ bearer: [] }, {}] } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Bourse REST API', version: info.version, description: 'Market data, investor accounts, dashboards, alerts and bars. Errors are always {"error":{"code","message","details"?}}; codes are listed in docs/errors.md.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RS256; keys at /v1/auth/jwks)' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
  };
}

function contentTypeOf(r: RouteSpec): string {
  return r.path.endsWith('/stream') ? 'text/event-stream' : 'application/json';
}

/** A schema as plain JSON (TypeBox's symbol-keyed markers dropped). */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}
