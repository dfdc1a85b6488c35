/**
 * Admin requests that cross threads: a gateway receives the HTTP request, the
 * supervisor routes it to the thread that owns the resource, the answer comes
 * back the same way. Bodies are plain JSON; errors use the registry's shape.
 */
export type QuarantineRequest =
  | { readonly op: 'list'; readonly afterId?: number; readonly limit?: number }
  | { readonly op: 'show'; readonly id: number }
  | { readonly op: 'replay'; readonly id: number }
  | { readonly op: 'purge'; readonly id?: number };

export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}
