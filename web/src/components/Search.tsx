import { useEffect, useRef, useState } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { navigate } from '../app/router.js';

/** A GET /v1/search result (the fields shown). */
interface Hit {
  readonly ticker: string;
  readonly name: string;
  readonly exchange: string | null;
  readonly sicDescription: string | null;
}

/**
 * Search-as-you-type over GET /v1/search (debounced; stale answers dropped).
 * Keyboard: ↑/↓ choose, Enter adds to the watchlist, Shift+Enter opens the
 * chart, Escape closes. ARIA combobox pattern.
 */
export function Search({ model }: { model: Model }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Hit[]>([]);
  const [open, setOpen] = useState(false);
  const [sel, setSel] = useState(0);
  const [error, setError] = useState('');
  const seq = useRef(0);
  const box = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const term = q.trim();
    if (!term) {
      setHits([]);
      setError('');
      return;
    }
    const mine = ++seq.current;
    const t = setTimeout(async () => {
      try {
        const r = await model.api.get<{ results: Hit[] }>(`/v1/search?q=${encodeURIComponent(term)}&limit=8`);
        if (mine !== seq.current) return;
        setHits(r.results ?? []);
        setError('');
        setSel(0);
        setOpen(true);
      } catch (err) {
        if (mine !== seq.current) return;
        setHits([]);
        setError(err instanceof Error ? err.message : String(err));
        setOpen(true);
      }
    }, 120);
    return () => clearTimeout(t);
  }, [q]);

  const add = (h: Hit) => {
    void model.addSymbol(h.ticker);
    setQ('');
    setOpen(false);
    box.current?.focus();
  };
  const show = (h: Hit) => {
    setOpen(false);
    setQ('');
    navigate(`/s/${h.ticker}`);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setSel((s) => Math.min(hits.length - 1, s + 1));
    else if (e.key === 'ArrowUp') setSel((s) => Math.max(0, s - 1));
    else if (e.key === 'Escape') setOpen(false);
    else if (e.key === 'Enter' && hits[sel]) (e.shiftKey ? show : add)(hits[sel]!);
    else return;
    e.preventDefault();
  };

  return (
    <div class="search" role="combobox" aria-expanded={open && hits.length > 0} aria-haspopup="listbox" aria-owns="search-results">
      <input
        ref={box}
        type="search"
        placeholder="Search ticker or company…"
        aria-label="Search companies"
        aria-autocomplete="list"
        aria-controls="search-results"
        aria-activedescendant={open && hits[sel] ? `hit-${hits[sel]!.ticker}` : undefined}
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={onKey}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      {open && (hits.length > 0 || error) && (
        <ul id="search-results" class="results" role="listbox">
          {error && <li class="muted">Search unavailable: {error}</li>}
          {hits.map((h, i) => (
            <li key={h.ticker} id={`hit-${h.ticker}`} role="option" aria-selected={i === sel} class={i === sel ? 'sel' : ''} onMouseEnter={() => setSel(i)}>
              <button class="hit" onMouseDown={(e) => e.preventDefault()} onClick={() => add(h)} title="Add to watchlist">
                <b>{h.ticker}</b> <span class="name">{h.name}</span>
                <span class="muted small">
                  {[h.exchange, h.sicDescription].filter(Boolean).join(' · ')}
                </span>
              </button>
              <button class="link small" onMouseDown={(e) => e.preventDefault()} onClick={() => show(h)} aria-label={`Open ${h.ticker} chart`}>
                chart
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
