import { flameTree, hottest, type FlameFrame } from './flame-tree.js';
import type { CpuProfile } from './thread-profiler.js';

export interface FlamegraphOptions {
  /** Shown in the title, e.g. `shard-0`. */
  readonly thread: string;
  /** When the profile was taken (ms since the epoch). */
  readonly takenAt?: number;
  /** Page width in CSS pixels the SVG is laid out for. */
  readonly width?: number;
  /** Keep the `(idle)` frame (default: left out, so widths are shares of the time the thread was busy). */
  readonly idle?: boolean;
}

const ROW = 18;
const PAD = 10;
/** Frames narrower than this many pixels are left out (with their children): they are unreadable and bloat the page. */
const MIN_PX = 0.3;
const CHAR_PX = 7;

/**
 * Renders a .cpuprofile as one self-contained HTML page: an inline SVG
 * flamegraph (root at the bottom, width = total time, children in name order,
 * hover titles with total and self time), a search box that highlights
 * matching frames and tells what share of the time they cover, click-to-zoom,
 * and a table of the functions with the most self time. No external assets:
 * it opens from a file, offline.
 */
export function renderFlamegraph(profile: CpuProfile, o: FlamegraphOptions): string {
  const width = o.width ?? 1200;
  const root = flameTree(profile);
  const wall = root.total;
  const idleFrame = root.children.find((c) => c.name === '(idle)' && !c.location);
  const idleUs = idleFrame?.total ?? 0;
  if (idleFrame && !o.idle) {
    root.children.splice(root.children.indexOf(idleFrame), 1);
    root.total -= idleUs;
  }
  const total = root.total || 1;
  const frames: string[] = [];
  let maxDepth = 0;
  const stack: [FlameFrame, number, number][] = [[root, 0, 0]]; // frame, x (fraction), depth
  const laid: [FlameFrame, number, number][] = [];
  while (stack.length) {
    const [f, x, depth] = stack.pop()!;
    if ((f.total / total) * width < MIN_PX) continue;
    laid.push([f, x, depth]);
    maxDepth = Math.max(maxDepth, depth);
    let cx = x;
    for (const c of [...f.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.location < b.location ? -1 : 1))) {
      stack.push([c, cx, depth + 1]);
      cx += c.total / total;
    }
  }
  const height = (maxDepth + 1) * ROW + PAD * 2;
  for (const [f, x, depth] of laid) {
    const w = f.total / total;
    const px = PAD + x * (width - 2 * PAD);
    const pw = w * (width - 2 * PAD);
    const y = height - PAD - (depth + 1) * ROW;
    const title = `${f.name}${f.location ? ` (${f.location})` : ''} — total ${ms(f.total)} (${pct(f.total / total)}), self ${ms(f.self)} (${pct(f.self / total)})`;
    frames.push(
      `<g class="f" data-x="${x.toFixed(6)}" data-w="${w.toFixed(6)}" data-d="${depth}" data-n="${esc(f.name)}"><title>${esc(title)}</title>` +
        `<rect x="${px.toFixed(1)}" y="${y}" width="${Math.max(0.1, pw - 0.5).toFixed(1)}" height="${ROW - 1}" rx="2" fill="${color(f)}"/>` +
        `<text x="${(px + 3).toFixed(1)}" y="${y + ROW - 5}">${esc(label(f.name, pw))}</text></g>`,
    );
  }
  const top = hottest(root, 15)
    .map((h) => `<tr><td>${esc(h.name)}</td><td>${esc(h.location)}</td><td>${ms(h.self)}</td><td>${pct(h.self / total)}</td></tr>`)
    .join('');
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const samples = profile.samples?.length ?? 0;
  const busy = wall > 0 ? (wall - idleUs) / wall : 0;
  const meta = `${seconds.toFixed(2)} s, ${samples} samples${samples ? ` ~${Math.round((seconds * 1e6) / samples)} µs apart` : ''}${o.takenAt ? `, taken ${new Date(o.takenAt).toISOString()}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flamegraph — ${esc(o.thread)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}
.meta{color:#555;margin-bottom:10px}
#bar{display:flex;gap:8px;align-items:center;margin-bottom:8px}
#q{width:320px;padding:4px 6px;font:inherit}
#matched{color:#7a1e8c;font-weight:600}
svg{display:block;border:1px solid #ddd;background:#fafafa}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#111;pointer-events:none}
g.f{cursor:pointer}
g.f:hover rect{stroke:#000;stroke-width:.6}
g.f.hit rect{fill:#e040fb}
g.f.hidden{display:none}
table{border-collapse:collapse;margin-top:14px}
td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
td:nth-child(3),td:nth-child(4){text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>Flamegraph — ${esc(o.thread)}</h1>
<div class="meta">CPU profile of thread <b>${esc(o.thread)}</b>: ${esc(meta)}. <b id="busy">Busy ${pct(busy)}</b> of the time (idle ${pct(1 - busy)}${o.idle ? '' : ', not drawn'}).<br>Width = share of the ${o.idle ? 'profiled' : 'busy'} time spent in a frame and its callees; hover a frame for total and self time, click to zoom.</div>
<div id="bar"><input id="q" type="search" placeholder="Search functions (text or /regex/)" aria-label="search"><button id="reset" type="button">Reset zoom</button><span id="matched"></span></div>
<svg id="fg" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${frames.join('\n')}
</svg>
<table><thead><tr><th>Function (most self time)</th><th>Location</th><th>Self</th><th>Share</th></tr></thead><tbody>${top}</tbody></table>
<script>
(function(){
var W=${width},P=${PAD},C=${CHAR_PX};
var gs=[].slice.call(document.querySelectorAll('g.f'));
var fr=gs.map(function(g){return{g:g,x:+g.dataset.x,w:+g.dataset.w,d:+g.dataset.d,n:g.dataset.n,r:g.querySelector('rect'),t:g.querySelector('text'),title:g.querySelector('title').textContent}});
function fit(n,px){var k=Math.floor((px-6)/C);if(k<2)return'';return n.length<=k?n:n.slice(0,k-1)+'\\u2026'}
function zoom(z){fr.forEach(function(f){
  var inside=f.x>=z.x-1e-9&&f.x+f.w<=z.x+z.w+1e-9, below=f.d<z.d&&f.x<=z.x+1e-9&&f.x+f.w>=z.x+z.w-1e-9;
  if(!(inside||below)){f.g.classList.add('hidden');return}
  f.g.classList.remove('hidden');
  var nx=below?0:(f.x-z.x)/z.w, nw=below?1:f.w/z.w, px=P+nx*(W-2*P), pw=nw*(W-2*P);
  f.r.setAttribute('x',px.toFixed(1));f.r.setAttribute('width',Math.max(.1,pw-.5).toFixed(1));
  f.t.setAttribute('x',(px+3).toFixed(1));f.t.textContent=fit(f.n,pw);
})}
var all={x:0,w:1,d:0};
fr.forEach(function(f){f.g.addEventListener('click',function(){zoom(f)})});
document.getElementById('reset').addEventListener('click',function(){zoom(all)});
var q=document.getElementById('q'),out=document.getElementById('matched');
q.addEventListener('input',function(){
  var s=q.value,re=null;
  if(!s){fr.forEach(function(f){f.g.classList.remove('hit')});out.textContent='';return}
  var m=/^\\/(.+)\\/$/.exec(s);try{re=m?new RegExp(m[1],'i'):null}catch(e){re=null}
  var lo=s.toLowerCase(),spans=[];
  fr.forEach(function(f){var hit=re?re.test(f.title):f.title.toLowerCase().indexOf(lo)>=0;f.g.classList.toggle('hit',hit);if(hit)spans.push([f.x,f.x+f.w])});
  spans.sort(function(a,b){return a[0]-b[0]});var sum=0,end=-1;
  spans.forEach(function(s){if(s[0]>=end){sum+=s[1]-s[0];end=s[1]}else if(s[1]>end){sum+=s[1]-end;end=s[1]}});
  out.textContent='matched: '+(sum*100).toFixed(1)+'% of the time in '+spans.length+' frames';
});
})();
</script>
</body></html>
`;
}

function label(name: string, px: number): string {
  const k = Math.floor((px - 6) / CHAR_PX);
  if (k < 2) return '';
  return name.length <= k ? name : `${name.slice(0, k - 1)}…`;
}

const ms = (us: number): string => (us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : `${(us / 1000).toFixed(1)} ms`);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Warm colours for this project's code, yellow for packages, green for Node internals, grey for VM pseudo-frames. */
function color(f: FlameFrame): string {
  let h = 0;
  for (let i = 0; i < f.name.length; i++) h = (h * 31 + f.name.charCodeAt(i)) >>> 0;
  const v = h % 30;
  if (f.name === 'all') return 'hsl(0,0%,80%)';
  if (!f.location) return `hsl(220,8%,${70 + (v % 12)}%)`;
  if (f.location.startsWith('node:')) return `hsl(${100 + v},45%,62%)`;
  if (/^(@[^/]+\/)?[^/]+\//.test(f.location) && !/^(actors|gateway|ingest|core|domain|cli|bench|test)\//.test(f.location)) return `hsl(${45 + v / 2},80%,58%)`;
  return `hsl(${5 + v},78%,${58 + (v % 8)}%)`;
}
