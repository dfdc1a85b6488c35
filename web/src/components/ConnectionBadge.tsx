import { useEffect, useState } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';

const LABEL = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', offline: 'Offline', closed: 'Disconnected' } as const;

/** Live / reconnecting (with a countdown) / offline, announced to screen readers. */
export function ConnectionBadge({ model }: { model: Model }) {
  const s = useObservable(model.connection);
  const [now, setNow] = useState(Date.now());
  const [since] = useState(() => ({ at: Date.now(), ms: 0 }));
  useEffect(() => {
    since.at = Date.now();
    since.ms = s.retryInMs ?? 0;
    if (!s.retryInMs) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [s]);
  const left = s.retryInMs ? Math.max(0, Math.ceil((since.at + since.ms - now) / 1000)) : 0;
  return (
    <span class={`conn conn-${s.state}`} role="status" aria-live="polite" data-state={s.state} title={s.close ? `closed ${s.close.code} ${s.close.reason}` : undefined}>
      <span class="dot" aria-hidden="true" />
      {LABEL[s.state]}
      {left > 0 && <span class="muted"> · {left}s</span>}
      {s.state === 'offline' || s.state === 'closed' ? (
        <button class="link" onClick={() => model.stream.reconnectNow()}>
          retry
        </button>
      ) : null}
    </span>
  );
}
