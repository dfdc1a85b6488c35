import { Observable } from './observable.js';

/** Client routes (the gateway answers index.html for any of them): `/`, `/s/AAPL`, `/alerts`, `/login`, `/register`. */
export const route = new Observable<string>(location.pathname);

addEventListener('popstate', () => route.set(location.pathname));

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  route.set(path);
}

/** An <a> click handler that navigates without a reload (modifier clicks open normally). */
export function linkTo(path: string) {
  return (e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(path);
  };
}
