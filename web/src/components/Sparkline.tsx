export const SPARK_W = 96;
export const SPARK_H = 28;

/** Points of a polyline through `values`, scaled to the box. */
export function sparkPoints(values: readonly number[], width = SPARK_W, height = SPARK_H): string {
  if (values.length < 2) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const step = width / (values.length - 1);
  let out = '';
  for (let i = 0; i < values.length; i++) out += `${(i * step).toFixed(1)},${(height - 2 - ((values[i]! - min) / span) * (height - 4)).toFixed(1)} `;
  return out;
}

/** Redraws a row's sparkline in place (colour follows the direction over the window). */
export function drawSparkline(svg: SVGSVGElement, values: readonly number[]): void {
  svg.firstElementChild!.setAttribute('points', sparkPoints(values));
  const dir = values.length < 2 ? '' : values[values.length - 1]! >= values[0]! ? 'up' : 'down';
  if (svg.dataset.tone !== dir) svg.dataset.tone = dir;
}
