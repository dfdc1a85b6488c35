import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';

export function Toasts({ model }: { model: Model }) {
  const toasts = useObservable(model.toasts);
  return (
    <div class="toasts" role="log" aria-live="assertive" aria-label="Notifications">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          <button class="icon" aria-label="Dismiss" onClick={() => model.dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
