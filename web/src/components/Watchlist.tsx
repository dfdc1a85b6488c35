import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveQuote } from '../stream/index.js';
import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';
import { fmtChange, fmtPct, fmtPrice, fmtVolume, tone } from '../app/format.js';
import { linkTo } from '../app/router.js';
import { Sparkline } from './Sparkline.js';
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
  const q = useLiveQuote(model, symbol);
  const lastCell = useRef<HTMLTableCellElement>(null);
  // Flash on change with the Web Animations API: no class toggling, no forced layout.
  useEffect(() => {
    if (!q || q.prevLast == null || q.last == null || q.last === q.prevLast) return;
    lastCell.current?.animate([{ backgroundColor: q.last > q.prevLast ? 'var(--flash-up)' : 'var(--flash-down)' }, { backgroundColor: 'transparent' }], { duration: 700, easing: 'ease-out' });
  }, [q?.seq]);
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      onMove(e.key === 'ArrowUp' ? -1 : 1);
    } else if (e.key === 'Delete') void model.removeSymbol(symbol);
  };
  return (
    <tr
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
        <a href={`/s/${symbol}`} onClick={linkTo(`/s/${symbol}`)} onKeyDown={onKey} title={`${q?.name ?? symbol} — Alt+↑/↓ to move, Delete to remove`}>
          {symbol}
        </a>
        <span class="name muted small">{q?.name ?? ''}</span>
      </th>
      <td ref={lastCell} class="num last" data-field="last">
        {fmtPrice(q?.last)}
      </td>
      <td class={`num ${tone(q?.change)}`}>{fmtChange(q?.change)}</td>
      <td class={`num ${tone(q?.changePct)}`} data-field="changePct">
        {fmtPct(q?.changePct)}
      </td>
      <td class="num wide">{fmtPrice(q?.bid)}</td>
      <td class="num wide">{fmtPrice(q?.ask)}</td>
      <td class="num wide">{fmtVolume(q?.volume)}</td>
      <td class="wide">
        <Sparkline values={q?.history ?? []} />
      </td>
      <td>
        <button class="icon" aria-label={`Remove ${symbol}`} onClick={() => void model.removeSymbol(symbol)}>
          ×
        </button>
      </td>
    </tr>
  );
}
