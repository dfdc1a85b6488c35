import { QuoteBook, StreamClient, type StateChange } from '../stream/index.js';
import { Api, ApiError } from './api.js';
import { Auth, tokenExpiry, type Session } from './auth.js';
import { LocalDashboards, RemoteDashboards, type Dashboard, type DashboardStore } from './dashboards.js';
import { listAlerts, createAlert, deleteAlert, type Alert, type NewAlert } from './alerts.js';
import { followNotifications, listNotifications, type Notification } from './notifications.js';
import { Observable } from './observable.js';

export interface Toast {
  readonly id: number;
  readonly text: string;
  readonly tone: 'info' | 'alert' | 'error';
}

/**
 * The page's state and the actions on it. Components read Observables and
 * call methods; nothing else talks to the server.
 */
export class Model {
  readonly auth: Auth;
  readonly api: Api;
  readonly stream: StreamClient;
  readonly book: QuoteBook;
  readonly connection = new Observable<StateChange>({ state: 'connecting', attempt: 0 });
  readonly dashboards = new Observable<Dashboard[]>([]);
  readonly activeId = new Observable<string | undefined>(undefined);
  readonly detail = new Observable<string | undefined>(undefined);
  readonly alerts = new Observable<Alert[]>([]);
  readonly notifications = new Observable<Notification[]>([]);
  readonly unread = new Observable(0);
  readonly toasts = new Observable<Toast[]>([]);
  #store: DashboardStore;
  #loggedIn: boolean;
  #subscribed = new Set<string>();
  #barsFor: string | undefined;
  #follow: AbortController | undefined;
  #toastId = 0;

  constructor(base = '', wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`) {
    this.auth = new Auth(base);
    this.api = new Api(base, this.auth);
    this.stream = new StreamClient({ url: wsUrl, format: 'msgpack', token: () => this.auth.accessToken() });
    this.book = new QuoteBook(this.stream);
    this.#loggedIn = this.auth.session !== undefined;
    this.#store = this.#loggedIn ? new RemoteDashboards(this.api) : new LocalDashboards();
    this.stream.on('state', (s) => {
      this.connection.set(s);
      // A refused upgrade (e.g. a revoked or malformed token answered 401) looks like any
      // failed connect to a browser: after a few in a row, renew the token once. A refresh
      // refused by the server ends the session and the page carries on anonymously.
      if (this.auth.session && (s.state === 'reconnecting' || s.state === 'offline') && (s.attempt === 2 || s.attempt % 6 === 0)) void this.auth.renew();
    });
    this.stream.on('error', (e) => {
      if (e.code !== 'unknown_symbol') this.toast(`Stream: ${e.message}`, 'error');
    });
    this.stream.on('message', (m) => {
      // Another device (or tab) changed the dashboards: show it at once.
      if (m.type === 'dashboards' && this.auth.session) void this.#guard(async () => this.#setDashboards(await this.#store.list()));
      // Alerts may arrive on the stream as well as over SSE: #onNotification keeps one per id.
      if (m.type === 'alert' && this.auth.session) this.#onNotification({ ...(m as unknown as Notification), id: String(m.id) });
    });
    this.auth.subscribe((s) => this.#onSession(s));
    addEventListener('online', () => this.stream.reconnectNow());
  }

  async start(): Promise<void> {
    if (this.auth.session) await this.auth.accessToken(); // renew a stale token once, up front
    this.stream.connect();
    this.#scheduleRenewal();
    await this.#loadAccount();
  }

  #renewTimer: ReturnType<typeof setTimeout> | undefined;

  /** Renews the access token a minute before it expires, so the stream (closed at expiry with 4003) and SSE stay up. */
  #scheduleRenewal(): void {
    clearTimeout(this.#renewTimer);
    const s = this.auth.session;
    if (!s) return;
    const inMs = Math.max(5_000, tokenExpiry(s.accessToken) - Date.now() - 60_000);
    this.#renewTimer = setTimeout(() => void this.auth.renew(), inMs);
  }

  // ---- session ----

  async login(email: string, password: string, register: boolean): Promise<void> {
    if (register) await this.auth.register(email, password);
    else await this.auth.login(email, password);
  }

  logout(): Promise<void> {
    this.unread.set(0);
    return this.auth.logout();
  }

  #onSession(s: Session | undefined): void {
    const wasLoggedIn = this.#loggedIn;
    this.#loggedIn = !!s;
    if (!!s === wasLoggedIn) {
      // A token rotation: hand the open stream the new token before the old one expires.
      if (s) this.stream.authenticate(s.accessToken);
      this.#scheduleRenewal();
      return;
    }
    this.#store = s ? new RemoteDashboards(this.api) : new LocalDashboards();
    this.stream.reconnectNow(); // authenticate (or not) the stream
    this.#scheduleRenewal();
    void this.#loadAccount();
  }

  async #loadAccount(): Promise<void> {
    this.#follow?.abort();
    this.#follow = undefined;
    await this.#guard(async () => {
      try {
        this.#setDashboards(await this.#store.list());
      } catch (err) {
        // A server without the dashboards API: keep them in this browser instead.
        if (!(err instanceof ApiError) || (err.code !== 'not_found' && err.code !== 'method_not_allowed')) throw err;
        this.#store = new LocalDashboards();
        this.#setDashboards(await this.#store.list());
      }
    });
    if (!this.auth.session) {
      this.alerts.set([]);
      this.notifications.set([]);
      return;
    }
    // A server without alerts answers not_found: the page simply shows none.
    await this.#guard(async () => this.alerts.set(await orEmpty(listAlerts(this.api))));
    await this.#guard(async () => this.notifications.set(await orEmpty(listNotifications(this.api))));
    const follow = (this.#follow = new AbortController());
    const newest = this.notifications.value.map((n) => Number(n.id)).filter(Number.isFinite);
    void followNotifications('', this.auth, (n) => this.#onNotification(n), follow.signal, newest.length ? String(Math.max(...newest)) : '');
  }

  // ---- dashboards ----

  select(id: string): void {
    this.activeId.set(id);
    this.#syncSubscriptions();
  }

  get active(): Dashboard | undefined {
    return this.dashboards.value.find((d) => d.id === this.activeId.value);
  }

  createDashboard = (name: string) => this.#change((s) => s.create(name), true);
  renameDashboard = (id: string, name: string) => this.#change((s) => s.rename(id, name));
  deleteDashboard = (id: string) => this.#change((s) => s.remove(id));
  reorderDashboards = (ids: string[]) => this.#change((s) => s.reorder(ids));
  addSymbol = (symbol: string, id = this.activeId.value) => (id ? this.#change((s) => s.addSymbol(id, symbol)) : Promise.resolve());
  removeSymbol = (symbol: string, id = this.activeId.value) => (id ? this.#change((s) => s.removeSymbol(id, symbol)) : Promise.resolve());
  reorderSymbols = (symbols: string[], id = this.activeId.value) => (id ? this.#change((s) => s.reorderSymbols(id, symbols)) : Promise.resolve());

  async #change(fn: (s: DashboardStore) => Promise<Dashboard[]>, selectNew = false): Promise<void> {
    const before = new Set(this.dashboards.value.map((d) => d.id));
    await this.#guard(async () => {
      const list = await fn(this.#store);
      this.#setDashboards(list);
      const created = list.find((d) => !before.has(d.id));
      if (selectNew && created) this.select(created.id);
    });
  }

  #setDashboards(list: Dashboard[]): void {
    this.dashboards.set(list);
    if (!list.some((d) => d.id === this.activeId.value)) this.activeId.set(list[0]?.id);
    this.#syncSubscriptions();
  }

  // ---- detail ----

  openDetail(symbol: string | undefined): void {
    this.detail.set(symbol);
    this.#syncSubscriptions();
  }

  /** Subscribes to what is on screen: the active watchlist's quotes, and the detail symbol's bars. */
  #syncSubscriptions(): void {
    const want = new Set(this.active?.symbols ?? []);
    const detail = this.detail.value;
    if (detail) want.add(detail);
    const gone = [...this.#subscribed].filter((s) => !want.has(s));
    const added = [...want].filter((s) => !this.#subscribed.has(s));
    if (gone.length) {
      this.stream.unsubscribe(gone);
      gone.forEach((s) => this.book.forget(s));
    }
    if (added.length) this.stream.subscribe(added, ['quotes']);
    if (this.#barsFor && this.#barsFor !== detail && want.has(this.#barsFor)) this.stream.unsubscribe([this.#barsFor], ['bars']);
    if (detail && this.#barsFor !== detail) this.stream.subscribe([detail], ['bars']);
    this.#barsFor = detail;
    this.#subscribed = want;
  }

  // ---- alerts and notifications ----

  async addAlert(a: NewAlert): Promise<boolean> {
    return this.#guard(async () => {
      await createAlert(this.api, a);
      this.alerts.set(await listAlerts(this.api));
      this.toast(`Alert set on ${a.symbol}`);
    });
  }

  async removeAlert(id: string): Promise<void> {
    await this.#guard(async () => {
      await deleteAlert(this.api, id);
      this.alerts.set(this.alerts.value.filter((a) => a.id !== id));
    });
  }

  markRead(): void {
    this.unread.set(0);
  }

  #onNotification(n: Notification): void {
    if (this.notifications.value.some((x) => x.id === n.id)) return;
    this.notifications.set([n, ...this.notifications.value].slice(0, 200));
    this.unread.set(this.unread.value + 1);
    this.toast(n.message, 'alert');
    void listAlerts(this.api).then((a) => this.alerts.set(a), () => undefined);
  }

  // ---- toasts ----

  toast(text: string, tone: Toast['tone'] = 'info'): void {
    const t = { id: ++this.#toastId, text, tone };
    this.toasts.set([...this.toasts.value, t].slice(-5));
    setTimeout(() => this.dismiss(t.id), tone === 'info' ? 4000 : 8000);
  }

  dismiss(id: number): void {
    this.toasts.set(this.toasts.value.filter((t) => t.id !== id));
  }

  /** Runs an action; a failure becomes an error toast. Resolves true on success. */
  async #guard(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this.toast(err instanceof ApiError ? `${err.message} (${err.code})` : String(err), 'error');
      return false;
    }
  }
}

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'not_found' || err.code === 'method_not_allowed')) return [];
    throw err;
  }
}
