import { useEffect, useRef, useState } from 'preact/hooks';
import { CandlestickSeries, ColorType, createChart, HistogramSeries, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { Model } from '../app/model.js';
import { sma, volatility } from '../app/indicators.js';

interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

interface Legend {
  fast?: number;
  slow?: number;
  vol?: number;
}

const FAST = 10;
const SLOW = 30;
const VOL_WINDOW = 20;
/** Closes that decide every indicator's value at a bar (VOL_WINDOW returns need VOL_WINDOW + 1 closes). */
const LOOKBACK = Math.max(FAST, SLOW, VOL_WINDOW + 1);

/**
 * Candlesticks of 1-minute bars: history from GET /v1/bars/:symbol, then the
 * live bar from the stream's bars channel (applied once per animation frame),
 * with SMA 10/30 and annualised volatility in a second pane.
 */
export function Chart({ model, symbol }: { model: Model; symbol: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('Loading bars…');
  const [legend, setLegend] = useState<Legend>({});

  useEffect(() => {
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const chart: IChartApi = createChart(el.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: dark ? '#cbd5e1' : '#334155', attributionLogo: false },
      grid: { vertLines: { color: dark ? '#1e293b' : '#e2e8f0' }, horzLines: { color: dark ? '#1e293b' : '#e2e8f0' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    const candles = chart.addSeries(CandlestickSeries, { upColor: '#16a34a', downColor: '#dc2626', borderVisible: false, wickUpColor: '#16a34a', wickDownColor: '#dc2626' });
    const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'vol', color: '#64748b55' });
    chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const fast: ISeriesApi<'Line'> = chart.addSeries(LineSeries, { color: '#f59e0b', lineWidth: 1, priceLineVisible: false, lastValueVisible: false });
    const slow: ISeriesApi<'Line'> = chart.addSeries(LineSeries, { color: '#8b5cf6', lineWidth: 1, priceLineVisible: false, lastValueVisible: false });
    const vol: ISeriesApi<'Line'> = chart.addSeries(LineSeries, { color: '#0ea5e9', lineWidth: 1, priceFormat: { type: 'custom', formatter: (v: number) => `${v.toFixed(1)}%` } }, 1);
    chart.panes()[1]?.setHeight(90);

    const bars: Bar[] = [];
    let disposed = false;
    let pending: Bar | undefined;
    const time = (t: number) => (t / 1000) as UTCTimestamp;

    let shown: Legend = {};
    const showLegend = (l: Legend) => {
      if (l.fast === shown.fast && l.slow === shown.slow && l.vol === shown.vol) return;
      shown = l;
      setLegend(l);
    };
    const drawIndicators = () => {
      const closes = bars.map((b) => b.c);
      const f = sma(closes, FAST);
      const s = sma(closes, SLOW);
      const v = volatility(closes, VOL_WINDOW);
      const line = (xs: (number | undefined)[]) => bars.flatMap((b, i) => (xs[i] === undefined ? [] : [{ time: time(b.t), value: xs[i]! }]));
      fast.setData(line(f));
      slow.setData(line(s));
      vol.setData(line(v));
      showLegend({ fast: f[f.length - 1], slow: s[s.length - 1], vol: v[v.length - 1] });
    };
    // An indicator at a bar depends only on the closes up to it: a live bar moves only the last point.
    const updateLastIndicators = () => {
      const closes = bars.slice(-LOOKBACK).map((b) => b.c);
      const t = time(bars[bars.length - 1]!.t);
      const l: Legend = { fast: sma(closes, FAST).at(-1), slow: sma(closes, SLOW).at(-1), vol: volatility(closes, VOL_WINDOW).at(-1) };
      if (l.fast !== undefined) fast.update({ time: t, value: l.fast });
      if (l.slow !== undefined) slow.update({ time: t, value: l.slow });
      if (l.vol !== undefined) vol.update({ time: t, value: l.vol });
      showLegend(l);
    };
    const drawAll = () => {
      candles.setData(bars.map((b) => ({ time: time(b.t), open: b.o, high: b.h, low: b.l, close: b.c })));
      volume.setData(bars.map((b) => ({ time: time(b.t), value: b.v, color: b.c >= b.o ? '#16a34a55' : '#dc262655' })));
      drawIndicators();
    };
    const apply = (b: Bar) => {
      const last = bars[bars.length - 1];
      if (last && b.t < last.t) return;
      if (last && b.t === last.t) bars[bars.length - 1] = b;
      else bars.push(b);
      candles.update({ time: time(b.t), open: b.o, high: b.h, low: b.l, close: b.c });
      volume.update({ time: time(b.t), value: b.v, color: b.c >= b.o ? '#16a34a55' : '#dc262655' });
      updateLastIndicators();
      setStatus('');
    };
    const offBar = model.stream.on('bar', (m) => {
      if (m.symbol !== symbol) return;
      const first = pending === undefined;
      pending = { t: m.start, o: m.open, h: m.high, l: m.low, c: m.close, v: m.volume };
      if (first) requestAnimationFrame(() => (pending && !disposed && apply(pending), (pending = undefined)));
    });
    // The bar in progress comes with the snapshot; history comes from the API.
    const offSnap = model.stream.on('snapshot', (m) => m.symbol === symbol && m.seq > 0 && m.bar && m.bar.start > 0 && apply({ t: m.bar.start, o: m.bar.open, h: m.bar.high, l: m.bar.low, c: m.bar.close, v: m.bar.volume }));

    model.api
      .get<{ bars: Bar[] }>(`/v1/bars/${encodeURIComponent(symbol)}?limit=500`)
      .then((r) => {
        if (disposed) return;
        const live = bars.filter((b) => !r.bars.some((h) => h.t === b.t));
        bars.splice(0, bars.length, ...r.bars, ...live.filter((b) => b.t > (r.bars[r.bars.length - 1]?.t ?? 0)));
        drawAll();
        chart.timeScale().fitContent();
        setStatus(bars.length ? '' : 'No bars yet: the first one appears when trades arrive.');
      })
      .catch((err: Error) => !disposed && setStatus(`Bar history unavailable: ${err.message}`));

    return () => {
      disposed = true;
      offBar();
      offSnap();
      chart.remove();
    };
  }, [symbol]);

  const f = (v?: number) => (v === undefined ? '—' : v.toFixed(2));
  return (
    <figure class="chart-wrap">
      <figcaption class="legend small">
        <span class="k-fast">SMA {FAST} {f(legend.fast)}</span> · <span class="k-slow">SMA {SLOW} {f(legend.slow)}</span> · <span class="k-vol">Volatility ({VOL_WINDOW}m, annualised) {legend.vol === undefined ? '—' : `${legend.vol.toFixed(1)}%`}</span>
      </figcaption>
      <div ref={el} class="chart" role="img" aria-label={`${symbol} 1-minute candlestick chart`} />
      {status && <p class="muted small">{status}</p>}
    </figure>
  );
}
