import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveQuote } from '../stream/index.js';
import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';
import { fmtChange, fmtPct, fmtPrice, fmtVolume, tone } from '../app/format.js';
import { linkTo } from '../app/router.js';
import { drawSparkline, SPARK_H, SPARK_W } from './Sparkline.js';
import { move } from './DashboardTabs.js';

/** The active dashboard's symbols as live rows; drag (or Alt+↑/↓) to reorder, Delete to remove. */
export function Watchlist({ model }: { model: Model }) {
  useObservable(model.dashboards);
  useObservable(model.activeId);
  const d = model.active;
  const [dragging, setDragging] = useState<string>();
  if (!d) return <p class="empty">No dashboard yet. Create one with “+ New”.</p>;
  if (d.symbols.length === 0) return <p class="empty">This watchlist is empty. Search above and press Enter to add a company.</p>;
  const symbols = d.symbols;
  return (
    <table class="watchlist" aria-label={`${d.name} watchlist`}>
      <thead>
        <tr>
          <th scope="col">Symbol</th>
          <th scope="col" class="num">Last</th>
          <th scope="col" class="num">Chg</th>
          <th scope="col" class="num">%</th>
          <th scope="col" class="num wide">Bid</th>
          <th scope="col" class="num wide">Ask</th>
          <th scope="col" class="num wide">Volume</th>
          <th scope="col" class="wide">Trend</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {symbols.map((s, i) => (
          <Row
            key={s}
            symbol={s}
            model={model}
            dragging={dragging === s}
            onDragStart={() => setDragging(s)}
            onDragEnd={() => setDragging(undefined)}
            onDrop={() => {
              if (dragging && dragging !== s) void model.reorderSymbols(move(symbols, symbols.indexOf(dragging), i));
              setDragging(undefined);
            }}
            onMove={(delta) => void model.reorderSymbols(move(symbols, i, i + delta))}
          />
        ))}
      </tbody>
    </table>
  );
}

/** The latest quote for `symbol`, re-rendered at most once per animation frame. */
export function useLiveQuote(model: Model, symbol: string): LiveQuote | undefined {
  const [q, setQ] = useState(() => model.book.get(symbol));
  useEffect(() => {
    setQ(model.book.get(symbol));
    return model.book.onFlush((changed) => changed.has(symbol) && setQ(model.book.get(symbol)));
  }, [symbol]);
  return q;
}

interface RowProps {
  symbol: string;
  model: Model;
  dragging: boolean;
  onDragStart(): void;
  onDragEnd(): void;
  onDrop(): void;
  onMove(delta: number): void;
}

function Row({ symbol, model, dragging, onDragStart, onDragEnd, onDrop, onMove }: RowProps) {
  const row = useRef<HTMLTableRowElement>(null);
  // Live values are written straight into the cells once per animation frame
  // (QuoteBook batches): no virtual-DOM pass per quote, and only text that
  // changed is touched, so hundreds of updates a second stay cheap.
  useEffect(() => {
    const el = row.current!;
    const cells = {
      name: el.querySelector<HTMLElement>('.name')!,
      last: el.querySelector<HTMLElement>('[data-field=last]')!,
      change: el.querySelector<HTMLElement>('[data-field=change]')!,
      changePct: el.querySelector<HTMLElement>('[data-field=changePct]')!,
      bid: el.querySelector<HTMLElement>('[data-field=bid]')!,
      ask: el.querySelector<HTMLElement>('[data-field=ask]')!,
      volume: el.querySelector<HTMLElement>('[data-field=volume]')!,
      spark: el.querySelector<SVGSVGElement>('svg.spark')!,
    };
    const set = (cell: HTMLElement, text: string, cls?: string) => {
      const node = cell.firstChild;
      if (node?.nodeType === 3) {
        if (node.nodeValue !== text) node.nodeValue = text;
      } else cell.textContent = text;
      if (cls !== undefined && cell.dataset.tone !== cls) cell.dataset.tone = cls;
    };
    let sparkAt = -Infinity;
    const paint = () => {
      const q = model.book.get(symbol);
      if (!q) return;
      if (q.name) set(cells.name, q.name);
      set(cells.last, fmtPrice(q.last));
      set(cells.change, fmtChange(q.change), tone(q.change));
      set(cells.changePct, fmtPct(q.changePct), tone(q.changePct));
      set(cells.bid, fmtPrice(q.bid));
      set(cells.ask, fmtPrice(q.ask));
      set(cells.volume, fmtVolume(q.volume));
      // The trend line moves slowly: redraw it at most once a second (SVG repaints are the costly part).
      const now = performance.now();
      if (now - sparkAt >= 1000) {
        sparkAt = now;
        drawSparkline(cells.spark, q.history);
      }
      if (q.prevLast != null && q.last != null && q.last !== q.prevLast) {
        // Flash: a CSS opacity animation of an overlay behind the text. Switching between two
        // identical animations (a/b) restarts it with a single attribute write — no reflow, no
        // per-call Animation objects (Element.animate was a fifth of the page's CPU).
        const dir = q.last > q.prevLast ? 'up' : 'down';
        cells.last.dataset.flash = `${dir}-${cells.last.dataset.flash?.endsWith('a') ? 'b' : 'a'}`;
      }
    };
    paint();
    return model.book.onFlush((changed) => changed.has(symbol) && paint());
  }, [symbol]);
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      onMove(e.key === 'ArrowUp' ? -1 : 1);
    } else if (e.key === 'Delete') void model.removeSymbol(symbol);
  };
  return (
    <tr
      ref={row}
      class={dragging ? 'dragging' : ''}
      data-symbol={symbol}
      draggable
      onDragStart={(e) => (e.dataTransfer?.setData('text/plain', symbol), onDragStart())}
      onDragEnd={onDragEnd}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => (e.preventDefault(), onDrop())}
    >
      <th scope="row">
        <span class="grip" aria-hidden="true">⋮⋮</span>
        <a href={`/s/${symbol}`} onClick={linkTo(`/s/${symbol}`)} onKeyDown={onKey} title={`${symbol}: Alt+↑/↓ to move, Delete to remove`}>
          {symbol}
        </a>
        <span class="name muted small" />
      </th>
      <td class="num">
        <span class="v flash" data-field="last">—</span>
      </td>
      <td class="num">
        <span class="v" data-field="change">—</span>
      </td>
      <td class="num">
        <span class="v" data-field="changePct">—</span>
      </td>
      <td class="num wide">
        <span class="v" data-field="bid">—</span>
      </td>
      <td class="num wide">
        <span class="v" data-field="ask">—</span>
      </td>
      <td class="num wide">
        <span class="v" data-field="volume">—</span>
      </td>
      <td class="wide">
        <svg class="spark" width={SPARK_W} height={SPARK_H} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} aria-hidden="true">
          <polyline fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
      </td>
      <td>
        <button class="icon" aria-label={`Remove ${symbol}`} onClick={() => void model.removeSymbol(symbol)}>
          ×
        </button>
      </td>
    </tr>
  );
}
