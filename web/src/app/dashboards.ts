import type { DashboardView } from '../../../core/protocol/messages.js';
import { listAll, type Api } from './api.js';

export interface Dashboard {
  readonly id: string;
  readonly name: string;
  /** The watchlist, in order. */
  readonly symbols: readonly string[];
}

/**
 * Where an investor's dashboards live: the server when logged in, this
 * browser's storage when anonymous. Every call resolves to the full,
 * ordered list after the change (what the page renders).
 */
export interface DashboardStore {
  list(): Promise<Dashboard[]>;
  create(name: string): Promise<Dashboard[]>;
  rename(id: string, name: string): Promise<Dashboard[]>;
  remove(id: string): Promise<Dashboard[]>;
  /** `ids`: every dashboard id in the new order. */
  reorder(ids: readonly string[]): Promise<Dashboard[]>;
  addSymbol(id: string, symbol: string): Promise<Dashboard[]>;
  removeSymbol(id: string, symbol: string): Promise<Dashboard[]>;
  /** `symbols`: the dashboard's whole watchlist in the new order. */
  reorderSymbols(id: string, symbols: readonly string[]): Promise<Dashboard[]>;
}

/** The server's dashboards: /v1/dashboards (DashboardView, symbols in watchlist order). */
export class RemoteDashboards implements DashboardStore {
  constructor(private readonly api: Api) {}

  /** Every dashboard, in order (following keyset pages). */
  async list(): Promise<Dashboard[]> {
    const views = await listAll<DashboardView>(this.api, '/v1/dashboards?limit=100', 'dashboards');
    return views.map(({ id, name, symbols }) => ({ id, name, symbols }));
  }
  async create(name: string) {
    await this.api.post('/v1/dashboards', { name });
    return this.list();
  }
  async rename(id: string, name: string) {
    await this.api.patch(`/v1/dashboards/${enc(id)}`, { name });
    return this.list();
  }
  async remove(id: string) {
    await this.api.del(`/v1/dashboards/${enc(id)}`);
    return this.list();
  }
  async reorder(ids: readonly string[]) {
    await this.api.put('/v1/dashboards/order', { ids });
    return this.list();
  }
  async addSymbol(id: string, symbol: string) {
    await this.api.post(`/v1/dashboards/${enc(id)}/symbols`, { symbol });
    return this.list();
  }
  async removeSymbol(id: string, symbol: string) {
    await this.api.del(`/v1/dashboards/${enc(id)}/symbols/${enc(symbol)}`);
    return this.list();
  }
  async reorderSymbols(id: string, symbols: readonly string[]) {
    await this.api.put(`/v1/dashboards/${enc(id)}/symbols`, { symbols });
    return this.list();
  }
}

const enc = encodeURIComponent;
const KEY = 'bourse.local-dashboards';
const STARTER: Dashboard[] = [{ id: 'local-1', name: 'Watchlist', symbols: ['AAPL', 'MSFT', 'NVDA'] }];

/** Anonymous mode: dashboards in this browser's localStorage (public quotes only; nothing on the server). */
export class LocalDashboards implements DashboardStore {
  #read(): Dashboard[] {
    try {
      const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Dashboard[] | null;
      return Array.isArray(v) ? v : STARTER;
    } catch {
      return STARTER;
    }
  }
  #write(d: Dashboard[]): Promise<Dashboard[]> {
    localStorage.setItem(KEY, JSON.stringify(d));
    return Promise.resolve(d);
  }
  #edit(id: string, fn: (d: Dashboard) => Dashboard): Promise<Dashboard[]> {
    return this.#write(this.#read().map((d) => (d.id === id ? fn(d) : d)));
  }

  list() {
    return Promise.resolve(this.#read());
  }
  create(name: string) {
    return this.#write([...this.#read(), { id: `local-${Date.now().toString(36)}`, name, symbols: [] }]);
  }
  rename(id: string, name: string) {
    return this.#edit(id, (d) => ({ ...d, name }));
  }
  remove(id: string) {
    return this.#write(this.#read().filter((d) => d.id !== id));
  }
  reorder(ids: readonly string[]) {
    const all = this.#read();
    return this.#write(ids.map((id) => all.find((d) => d.id === id)).filter((d): d is Dashboard => !!d));
  }
  addSymbol(id: string, symbol: string) {
    return this.#edit(id, (d) => (d.symbols.includes(symbol) ? d : { ...d, symbols: [...d.symbols, symbol] }));
  }
  removeSymbol(id: string, symbol: string) {
    return this.#edit(id, (d) => ({ ...d, symbols: d.symbols.filter((s) => s !== symbol) }));
  }
  reorderSymbols(id: string, symbols: readonly string[]) {
    return this.#edit(id, (d) => ({ ...d, symbols: [...symbols] }));
  }
}
