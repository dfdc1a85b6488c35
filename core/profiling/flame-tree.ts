import type { CpuProfile } from './thread-profiler.js';

/** One frame of a merged call tree: same function under the same parent = one frame. */
export interface FlameFrame {
  readonly name: string;
  /** `file:line` (1-based), or '' for native / VM frames. */
  readonly location: string;
  /** Time in this frame itself, µs. */
  self: number;
  /** self + every descendant, µs. */
  total: number;
  readonly children: FlameFrame[];
}

/**
 * Merges a .cpuprofile into a call tree with times. Sample durations come from
 * timeDeltas (delta i+1 is how long sample i lasted; the last sample gets the
 * mean); a profile without samples falls back to hitCount × mean interval.
 * Frames of the same function at the same call path are merged, whatever
 * their node ids, so a hot function shows once per distinct stack.
 */
export function flameTree(profile: CpuProfile): FlameFrame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const span = Math.max(0, profile.endTime - profile.startTime);
  if (samples.length > 0) {
    const mean = span / samples.length;
    for (let i = 0; i < samples.length; i++) {
      const d = i + 1 < deltas.length ? deltas[i + 1] : mean;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, d));
    }
  } else {
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const each = hits > 0 ? span / hits : 0;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * each);
  }
  // The root is the node no one lists as a child.
  const isChild = new Set<number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) isChild.add(c);
  const rootNode = profile.nodes.find((n) => !isChild.has(n.id));
  const root: FlameFrame = { name: 'all', location: '', self: 0, total: 0, children: [] };
  if (!rootNode) return root;
  // Iterative walk (deep recursion in a profile must not overflow the stack).
  const stack: [number, FlameFrame][] = [];
  for (const c of rootNode.children ?? []) stack.push([c, root]);
  root.self += selfUs.get(rootNode.id) ?? 0;
  while (stack.length) {
    const [id, parent] = stack.pop()!;
    const n = byId.get(id);
    if (!n) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    const location = n.callFrame.url ? `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
    let f = parent.children.find((c) => c.name === name && c.location === location);
    if (!f) {
      f = { name, location, self: 0, total: 0, children: [] };
      parent.children.push(f);
    }
    f.self += selfUs.get(id) ?? 0;
    for (const c of n.children ?? []) stack.push([c, f]);
  }
  sumTotals(root);
  return root;
}

function sumTotals(root: FlameFrame): void {
  const order: FlameFrame[] = [];
  const stack = [root];
  while (stack.length) {
    const f = stack.pop()!;
    order.push(f);
    for (const c of f.children) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const f = order[i];
    f.total = f.self + f.children.reduce((a, c) => a + c.total, 0);
  }
}

/** file:///…/dist/actors/shard.js → actors/shard.js; node:internal/… stays; node_modules paths keep the package. */
export function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

/** The frames whose self time is largest, merged by function and location (the "top functions" table). */
export function hottest(root: FlameFrame, limit = 20): { name: string; location: string; self: number; total: number }[] {
  const agg = new Map<string, { name: string; location: string; self: number; total: number }>();
  const stack: FlameFrame[] = [...root.children];
  while (stack.length) {
    const f = stack.pop()!;
    const k = `${f.name}\u0000${f.location}`;
    const a = agg.get(k) ?? { name: f.name, location: f.location, self: 0, total: 0 };
    a.self += f.self;
    a.total += f.total;
    agg.set(k, a);
    stack.push(...f.children);
  }
  return [...agg.values()].sort((a, b) => b.self - a.self).slice(0, limit);
}
