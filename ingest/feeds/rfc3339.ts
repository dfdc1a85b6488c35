const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp (Alpaca sends nanoseconds:
 * "2024-01-02T15:04:05.123456789Z") to ms since the epoch. The fraction below
 * a millisecond is kept as the fractional part, to the precision a float64
 * holds at today's epoch (about a microsecond). NaN when the text is not a
 * valid timestamp (bad shape, month 13, February 30, hour 24) or is before 1970.
 */
export function parseRfc3339Ms(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return NaN;
  const dayStart = Date.UTC(year, month - 1, day);
  if (new Date(dayStart).getUTCDate() !== day) return NaN;
  let ms = dayStart + ((hour * 60 + minute) * 60 + second) * 1000;
  if (m[7]) ms += Number(m[7].padEnd(9, '0')) / 1e6;
  if (!m[8]) {
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return NaN;
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60_000;
    ms -= m[9] === '+' ? offset : -offset;
  }
  return ms;
}
