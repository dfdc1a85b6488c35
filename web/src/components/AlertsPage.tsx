import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';
import { describeAlert } from '../app/alerts.js';
import { AlertForm } from './AlertForm.js';
import { useEffect } from 'preact/hooks';

const when = (ms: number | null | undefined) => (ms == null ? '' : new Date(ms).toLocaleString());

/** Every alert (create, delete) and the notifications they produced. */
export function AlertsPage({ model }: { model: Model }) {
  const alerts = useObservable(model.alerts);
  const notes = useObservable(model.notifications);
  useEffect(() => model.markRead(), [notes.length]);
  return (
    <div class="alerts-page">
      <section class="panel" aria-labelledby="alerts-h">
        <h2 id="alerts-h">Alerts</h2>
        <AlertForm model={model} />
        {alerts.length === 0 ? (
          <p class="muted">No alerts yet.</p>
        ) : (
          <table class="plain-table">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id} data-alert={a.id}>
                  <td>{describeAlert(a)}</td>
                  <td>{a.state === 'fired' || a.lastFiredAt ? `fired ${when(a.lastFiredAt)}` : 'armed'}</td>
                  <td>
                    <button class="icon" aria-label={`Delete alert ${describeAlert(a)}`} onClick={() => void model.removeAlert(a.id)}>
                      ×
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="panel" aria-labelledby="notes-h">
        <h2 id="notes-h">Notifications</h2>
        {notes.length === 0 ? (
          <p class="muted">Nothing has fired yet.</p>
        ) : (
          <ul class="notifications">
            {notes.map((n) => (
              <li key={n.id}>
                {n.message} <span class="muted small">{when(n.firedAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
