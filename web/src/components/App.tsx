import { useEffect } from 'preact/hooks';
import type { Model } from '../app/model.js';
import { useObservable } from '../app/observable.js';
import { linkTo, route } from '../app/router.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { Search } from './Search.js';
import { DashboardTabs } from './DashboardTabs.js';
import { Watchlist } from './Watchlist.js';
import { Detail } from './Detail.js';
import { AlertsPage } from './AlertsPage.js';
import { AuthForm } from './AuthForm.js';
import { Toasts } from './Toasts.js';

export function App({ model }: { model: Model }) {
  const path = useObservable(route);
  const session = useObservable(model.auth);
  const unread = useObservable(model.unread);
  const detail = /^\/s\/([A-Za-z0-9.\-]{1,12})$/.exec(path)?.[1]?.toUpperCase();
  useEffect(() => model.openDetail(detail), [detail]);

  let main;
  if (path === '/login' || path === '/register') main = <AuthForm model={model} mode={path === '/login' ? 'login' : 'register'} />;
  else if (path === '/alerts') main = session ? <AlertsPage model={model} /> : <AuthForm model={model} mode="login" />;
  else if (detail) main = <Detail model={model} symbol={detail} />;
  else
    main = (
      <>
        <DashboardTabs model={model} />
        <Watchlist model={model} />
      </>
    );

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/" onClick={linkTo('/')}>
          Bourse
        </a>
        <Search model={model} />
        <nav class="account" aria-label="Account">
          <ConnectionBadge model={model} />
          {session ? (
            <>
              <a href="/alerts" onClick={linkTo('/alerts')} class="bell" aria-label={`Alerts and notifications${unread ? `, ${unread} new` : ''}`}>
                <BellIcon />
                {unread > 0 && <span class="badge">{unread}</span>}
              </a>
              <span class="muted small email">{session.email}</span>
              <button class="link" onClick={() => void model.logout()}>
                Log out
              </button>
            </>
          ) : (
            <>
              <span class="muted small">Anonymous</span>
              <a href="/login" onClick={linkTo('/login')}>
                Log in
              </a>
            </>
          )}
        </nav>
      </header>
      <main id="main">{main}</main>
      <Toasts model={model} />
    </>
  );
}

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.7 21a2 2 0 0 1-3.4 0" />
    </svg>
  );
}
