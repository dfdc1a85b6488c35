import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';
import { fmtChange, fmtPct, fmtPrice, fmtVolume, tone } from '../app/format.js';
import { linkTo } from '../app/router.js';
import { useLiveQuote } from './Watchlist.js';
import { Chart } from './Chart.js';
import { AlertForm } from './AlertForm.js';
import { describeAlert } from '../app/alerts.js';

/** One symbol: live quote, candlestick chart with indicators, and its alerts. */
export function Detail({ model, symbol }: { model: Model; symbol: string }) {
  const session = useObservable(model.auth);
  const dashboards = useObservable(model.dashboards);
  const active = model.active;
  const alerts = useObservable(model.alerts).filter((a) => a.symbol === symbol);
  const inList = active?.symbols.includes(symbol);
  return (
    <section class="detail" aria-labelledby="detail-title">
      <a href="/" onClick={linkTo('/')} class="back">
        ← Watchlist
      </a>
      <header class="detail-head">
        <QuoteHead model={model} symbol={symbol} />
        {active && dashboards.length > 0 && !inList && (
          <button onClick={() => void model.addSymbol(symbol)}>Add to {active.name}</button>
        )}
      </header>
      <Chart model={model} symbol={symbol} />
      <section aria-label="Alerts for this symbol" class="panel">
        <h2>Alerts</h2>
        {session ? (
          <>
            <AlertForm model={model} symbol={symbol} suggest={model.book.get(symbol)?.last} />
            <ul class="plain">
              {alerts.map((a) => (
                <li>
                  {describeAlert(a)} <span class="muted small">{a.state ?? ''}</span>
                  <button class="icon" aria-label="Delete alert" onClick={() => void model.removeAlert(a.id)}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p class="muted">
            <a href="/login" onClick={linkTo('/login')}>
              Log in
            </a>{' '}
            to set alerts.
          </p>
        )}
      </section>
    </section>
  );
}

/** The title and the live quote line: the only part of the page that re-renders with every quote. */
function QuoteHead({ model, symbol }: { model: Model; symbol: string }) {
  const q = useLiveQuote(model, symbol);
  return (
    <>
      <h1 id="detail-title">
        {symbol} <span class="muted">{q?.name ?? ''}</span>
      </h1>
      <div class="quote-line">
        <span class="big" data-field="last">
          {fmtPrice(q?.last)}
        </span>
        <span class={tone(q?.change)}>{fmtChange(q?.change)}</span>
        <span class={tone(q?.changePct)}>{fmtPct(q?.changePct)}</span>
        <span class="muted small">
          bid {fmtPrice(q?.bid)} · ask {fmtPrice(q?.ask)} · vol {fmtVolume(q?.volume)} · {q?.exchange ?? ''}
        </span>
      </div>
    </>
  );
}
