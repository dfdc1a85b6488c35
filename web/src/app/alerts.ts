import type { AlertKind } from '../../../core/alerts.js';
import { listAll, type Api } from './api.js';

export const KIND_LABEL: Record<AlertKind, string> = {
  above: 'Price above',
  below: 'Price below',
  cross: 'Price crosses',
  pct_move: '% move over window',
  volume_spike: 'Volume spike (× average)',
};

export interface Alert {
  readonly id: string;
  readonly symbol: string;
  readonly kind: AlertKind;
  readonly price?: number | null;
  readonly threshold?: number | null;
  readonly windowSec?: number | null;
  /** `fired`: a once-only rule that fired. */
  readonly state?: 'armed' | 'fired' | string;
  readonly enabled?: boolean;
  readonly fireCount?: number;
  readonly lastFiredAt?: number | null;
}

export interface NewAlert {
  readonly symbol: string;
  readonly kind: AlertKind;
  readonly value: number;
  /** pct_move / volume_spike: the window, seconds. */
  readonly windowSec?: number;
}

/** Price kinds carry `price`; the others a `threshold` (percent, or multiple of average volume). */
export const isPriceKind = (k: AlertKind): boolean => k === 'above' || k === 'below' || k === 'cross';

/** Every alert of the investor, newest first (all pages). */
export function listAlerts(api: Api): Promise<Alert[]> {
  return listAll<Alert>(api, '/v1/alerts?limit=200', 'alerts');
}

export function createAlert(api: Api, a: NewAlert): Promise<unknown> {
  const body = isPriceKind(a.kind) ? { symbol: a.symbol, kind: a.kind, price: a.value } : { symbol: a.symbol, kind: a.kind, threshold: a.value, windowSec: a.windowSec ?? 300 };
  return api.post('/v1/alerts', body);
}

export function deleteAlert(api: Api, id: string): Promise<unknown> {
  return api.del(`/v1/alerts/${encodeURIComponent(id)}`);
}

export function describeAlert(a: Pick<Alert, 'kind' | 'price' | 'threshold' | 'symbol'>): string {
  const v = a.price ?? a.threshold;
  switch (a.kind) {
    case 'above':
      return `${a.symbol} above ${v}`;
    case 'below':
      return `${a.symbol} below ${v}`;
    case 'cross':
      return `${a.symbol} crosses ${v}`;
    case 'pct_move':
      return `${a.symbol} moves ${v}%`;
    case 'volume_spike':
      return `${a.symbol} volume ×${v}`;
  }
}
