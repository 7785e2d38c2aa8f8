// Axis arithmetic for the hand-drawn charts.

/** niceStep rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(raw: number, integer: boolean): number {
  if (!(raw > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(raw));
  const f = raw / exp;
  const quarter = !integer || exp >= 10; // 2.5 stays whole from 25 up
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 && quarter ? 2.5 : f <= 5 ? 5 : 10) * exp;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

/** ticks are evenly spaced values from 0 to at least max, about count of them. */
export function ticks(max: number, count = 4, integer = false): number[] {
  const step = niceStep((max > 0 ? max : integer ? count : 1) / count, integer);
  const top = Math.max(step, Math.ceil((max > 0 ? max : step) / step - 1e-9) * step);
  const out: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** labelStep is how many buckets to skip between x labels so they fit. */
export function labelStep(buckets: number, width: number, minGap = 64): number {
  if (buckets <= 1) return 1;
  const per = width / buckets;
  return Math.max(1, Math.ceil(minGap / Math.max(per, 1)));
}
