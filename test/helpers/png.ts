import { inflateSync } from 'node:zlib';

/** What a screenshot shows, roughly: enough to tell a rendered page from a blank or broken one. */
export interface PngStats {
  readonly width: number;
  readonly height: number;
  /** Distinct colours among sampled pixels (a blank page has 1 or 2). */
  readonly colours: number;
  /** Share of sampled pixels that differ from the most common colour (the background). */
  readonly inked: number;
}

/**
 * Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) and
 * samples its pixels. Throws on anything else, so a test cannot pass on a
 * file that is not a screenshot.
 */
export function pngStats(png: Buffer): PngStats {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colourType = data[9];
      if (depth !== 8 || (colourType !== 2 && colourType !== 6) || data[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colourType})`);
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let v = line[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = v & 0xff;
    }
  }
  const counts = new Map<number, number>();
  let samples = 0;
  for (let y = 0; y < height; y += 3) {
    for (let x = 0; x < width; x += 3) {
      const p = y * stride + x * channels;
      const key = (pixels[p]! << 16) | (pixels[p + 1]! << 8) | pixels[p + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      samples++;
    }
  }
  const background = Math.max(...counts.values());
  return { width, height, colours: counts.size, inked: samples ? 1 - background / samples : 0 };
}
