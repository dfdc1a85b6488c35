const price = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const fmtPrice = (v: number | null | undefined): string => (v == null ? '—' : price.format(v));
export const fmtChange = (v: number | null | undefined): string => (v == null ? '—' : (v > 0 ? '+' : '') + price.format(v));
export const fmtPct = (v: number | null | undefined): string => (v == null ? '—' : (v > 0 ? '+' : '') + price.format(v) + '%');
export const fmtVolume = (v: number | null | undefined): string => (v == null ? '—' : compact.format(v));
export const tone = (v: number | null | undefined): string => (v == null || v === 0 ? '' : v > 0 ? 'up' : 'down');
