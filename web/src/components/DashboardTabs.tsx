import { useState } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';

const move = <T,>(list: readonly T[], from: number, to: number): T[] => {
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(Math.max(0, Math.min(out.length, to)), 0, x!);
  return out;
};
export { move };

/** Dashboards as tabs: select, create, rename, delete; reorder by drag or Alt+←/→. */
export function DashboardTabs({ model }: { model: Model }) {
  const list = useObservable(model.dashboards);
  const active = useObservable(model.activeId);
  const [dragging, setDragging] = useState<string>();
  const [editing, setEditing] = useState<string>();
  const ids = list.map((d) => d.id);

  const create = () => {
    const name = prompt('Name of the new dashboard', `Dashboard ${list.length + 1}`);
    if (name?.trim()) void model.createDashboard(name.trim().slice(0, 80));
  };
  const onKey = (e: KeyboardEvent, i: number) => {
    if (!e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    e.preventDefault();
    void model.reorderDashboards(move(ids, i, i + (e.key === 'ArrowLeft' ? -1 : 1)));
  };

  return (
    <nav class="tabs" aria-label="Dashboards">
      <div role="tablist" class="tablist">
        {list.map((d, i) => (
          <div
            key={d.id}
            class={`tab ${d.id === active ? 'active' : ''} ${dragging === d.id ? 'dragging' : ''}`}
            draggable
            onDragStart={(e) => (setDragging(d.id), e.dataTransfer?.setData('text/plain', d.id))}
            onDragEnd={() => setDragging(undefined)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              if (dragging && dragging !== d.id) void model.reorderDashboards(move(ids, ids.indexOf(dragging), i));
              setDragging(undefined);
            }}
          >
            {editing === d.id ? (
              <input
                class="rename"
                aria-label="Dashboard name"
                value={d.name}
                ref={(el) => el?.focus()}
                onKeyDown={(e) => {
                  const v = (e.target as HTMLInputElement).value.trim();
                  if (e.key === 'Enter' && v) (void model.renameDashboard(d.id, v.slice(0, 80)), setEditing(undefined));
                  if (e.key === 'Escape') setEditing(undefined);
                }}
                onBlur={() => setEditing(undefined)}
              />
            ) : (
              <button role="tab" aria-selected={d.id === active} onClick={() => model.select(d.id)} onDblClick={() => setEditing(d.id)} onKeyDown={(e) => onKey(e, i)} title="Double-click to rename; Alt+←/→ to move">
                {d.name} <span class="muted small">{d.symbols.length}</span>
              </button>
            )}
            {d.id === active && editing !== d.id && (
              <span class="tab-actions">
                <button class="icon" aria-label={`Rename ${d.name}`} onClick={() => setEditing(d.id)}>
                  ✎
                </button>
                <button class="icon" aria-label={`Delete ${d.name}`} onClick={() => confirm(`Delete dashboard “${d.name}”?`) && void model.deleteDashboard(d.id)}>
                  ✕
                </button>
              </span>
            )}
          </div>
        ))}
      </div>
      <button class="new-tab" onClick={create} aria-label="New dashboard">
        + New
      </button>
    </nav>
  );
}
