import { useState } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { ALERT_KINDS, type AlertKind } from '../../../core/alerts.js';
import { KIND_LABEL, isPriceKind } from '../app/alerts.js';

/** Creates an alert: symbol, kind, and a price (above/below/cross) or a threshold (% move, volume multiple). */
export function AlertForm({ model, symbol: fixed, suggest }: { model: Model; symbol?: string; suggest?: number | null }) {
  const [symbol, setSymbol] = useState(fixed ?? '');
  const [kind, setKind] = useState<AlertKind>('above');
  const [value, setValue] = useState(suggest != null ? String(suggest) : '');
  const [windowMin, setWindowMin] = useState('5');
  const submit = async (e: Event) => {
    e.preventDefault();
    const v = Number(value);
    const sym = (fixed ?? symbol).trim().toUpperCase();
    if (!sym || !Number.isFinite(v) || value.trim() === '') return model.toast('Give a symbol and a number', 'error');
    const ok = await model.addAlert({ symbol: sym, kind, value: v, ...(isPriceKind(kind) ? {} : { windowSec: Math.round(Number(windowMin) * 60) }) });
    if (ok) setValue('');
  };
  return (
    <form class="alert-form" onSubmit={submit} aria-label="New alert">
      {!fixed && (
        <label>
          Symbol
          <input name="symbol" value={symbol} required maxLength={12} onInput={(e) => setSymbol((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <label>
        When
        <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as AlertKind)}>
          {ALERT_KINDS.map((k) => (
            <option value={k}>{KIND_LABEL[k]}</option>
          ))}
        </select>
      </label>
      <label>
        {isPriceKind(kind) ? 'Price' : kind === 'pct_move' ? 'Percent' : 'Multiple'}
        <input name="value" inputMode="decimal" value={value} required onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      {!isPriceKind(kind) && (
        <label>
          Window (min)
          <input name="window" inputMode="numeric" value={windowMin} onInput={(e) => setWindowMin((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <button type="submit">Create alert</button>
    </form>
  );
}
