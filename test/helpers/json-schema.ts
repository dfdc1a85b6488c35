/**
 * A JSON Schema checker for the subset the OpenAPI document uses (TypeBox
 * output: type, properties, required, additionalProperties, items, anyOf,
 * const, enum, minimum/maximum, minLength/maxLength, pattern). Tests use it to
 * check real responses against the *served* document, not the TypeScript
 * types. Unknown keywords are ignored; returns the list of violations.
 */
export function schemaErrors(schema: unknown, value: unknown, path = '$'): string[] {
  const s = schema as Record<string, unknown>;
  if (typeof s !== 'object' || s === null) return [];
  if (Array.isArray(s.anyOf)) {
    const branches = (s.anyOf as unknown[]).map((b) => schemaErrors(b, value, path));
    return branches.some((e) => e.length === 0) ? [] : [`${path}: matches no branch of anyOf (${branches.map((e) => e[0]).join(' | ')})`];
  }
  const errors: string[] = [];
  if ('const' in s && value !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}, got ${JSON.stringify(value)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  const types = s.type === undefined ? undefined : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  if (types && !types.some((t) => isType(t, value))) return [...errors, `${path}: expected ${types.join('|')}, got ${describe(value)}`];
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: ${value} < minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: ${value} > maximum ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value) && s.items) value.forEach((v, i) => errors.push(...schemaErrors(s.items, v, `${path}[${i}]`)));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const r of (s.required ?? []) as string[]) if (!(r in value)) errors.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errors.push(...schemaErrors(props[k], v, `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}.${k}: not allowed`);
    }
  }
  return errors;
}

function isType(t: string, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === t;
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
