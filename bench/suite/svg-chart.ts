/**
 * Small inline-SVG line charts for the HTML report: no script, no external
 * file, so a report is one self-contained page that opens anywhere.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  /** [x, y]; a null y breaks the line. */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

export interface ChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Horizontal reference lines (targets, published figures). */
  readonly refLines?: ReadonlyArray<{ readonly y: number; readonly label: string }>;
  /** Shaded x ranges (phases such as a burst). */
  readonly bands?: ReadonlyArray<{ readonly from: number; readonly to: number; readonly label: string }>;
  readonly width?: number;
  readonly height?: number;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above v. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function formatTick(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

export function lineChart(c: ChartSpec): string {
  const W = c.width ?? 640;
  const H = c.height ?? 240;
  const L = 56;
  const R = 110;
  const T = 24;
  const B = 28;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.flatMap((p) => (p[1] === null ? [] : [p[1]])));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const yMax = niceCeil(Math.max(...ys, ...(c.refLines ?? []).map((r) => r.y), 0));
  const px = (x: number): number => L + ((x - xMin) / (xMax - xMin)) * (W - L - R);
  const py = (y: number): number => T + (1 - y / yMax) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(c.title)}">`);
  parts.push(`<text x="${L}" y="14" font-size="13" font-weight="bold">${escapeHtml(c.title)}</text>`);
  for (const b of c.bands ?? []) {
    const x1 = px(Math.max(xMin, b.from));
    const x2 = px(Math.min(xMax, b.to));
    if (x2 > x1) parts.push(`<rect x="${x1.toFixed(1)}" y="${T}" width="${(x2 - x1).toFixed(1)}" height="${H - T - B}" fill="#f3e2b3" opacity="0.6"><title>${escapeHtml(b.label)}</title></rect>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 4}" y="${(py(y) + 4).toFixed(1)}" font-size="10" text-anchor="end">${formatTick(y)}</text>`);
  }
  parts.push(`<text x="12" y="${T + (H - T - B) / 2}" font-size="10" transform="rotate(-90 12 ${T + (H - T - B) / 2})" text-anchor="middle">${escapeHtml(c.yLabel)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const x = xMin + ((xMax - xMin) * i) / 5;
    parts.push(`<text x="${px(x).toFixed(1)}" y="${H - 10}" font-size="10" text-anchor="middle">${formatTick(Math.round(x))} s</text>`);
  }
  for (const r of c.refLines ?? []) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(r.y).toFixed(1)}" y2="${py(r.y).toFixed(1)}" stroke="#b00" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${W - R + 4}" y="${(py(r.y) + 3).toFixed(1)}" font-size="10" fill="#b00">${escapeHtml(r.label)}</text>`);
  }
  c.series.forEach((s, i) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)} ${py(Math.min(y, yMax)).toFixed(1)} `;
      pen = true;
    }
    if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="1.6"><title>${escapeHtml(s.name)}</title></path>`);
    parts.push(`<rect x="${W - R + 4}" y="${T + i * 14}" width="10" height="3" fill="${s.color}"/><text x="${W - R + 18}" y="${T + i * 14 + 5}" font-size="10">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
