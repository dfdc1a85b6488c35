import { systemClock, type Clock } from '../../core/clock.js';
import { BourseError } from '../../core/errors.js';
import type { FeedSource } from '../../core/feed-source.js';
import type { Universe } from '../../core/universe.js';
import { SimulatorFeedSource, type SimulatorFeedSourceOptions } from '../simulator-feed-source.js';
import { AlpacaFeedSource, type AlpacaFeedSourceOptions } from './alpaca-feed-source.js';
import { CsvReplayFeedSource, type CsvReplayFeedSourceOptions } from './csv-replay-feed-source.js';
import type { FeedEventListener } from './feed-events.js';
import { FinnhubFeedSource, type FinnhubFeedSourceOptions } from './finnhub-feed-source.js';

type Shared = 'universe' | 'clock' | 'onEvent';

/**
 * What the registry can build feeds from: the shared pieces once, and one
 * section per feed (only the chosen feed's section is read, so a caller can
 * fill them all from config). Each adapter gets only its own section.
 */
export interface FeedSettings {
  readonly universe: Universe;
  /** Default systemClock. */
  readonly clock?: Clock;
  /** Connection, error and end events of the network and replay feeds, for the log. */
  readonly onEvent?: FeedEventListener;
  readonly simulator?: Omit<SimulatorFeedSourceOptions, 'universe' | 'clock'>;
  readonly replay?: Omit<CsvReplayFeedSourceOptions, Shared>;
  readonly finnhub?: Omit<FinnhubFeedSourceOptions, Shared>;
  readonly alpaca?: Omit<AlpacaFeedSourceOptions, Shared>;
}

const FACTORIES = {
  simulator: (s: FeedSettings) => new SimulatorFeedSource({ ...section(s, 'simulator'), universe: s.universe, clock: s.clock ?? systemClock }),
  replay: (s: FeedSettings) => new CsvReplayFeedSource({ ...section(s, 'replay'), universe: s.universe, clock: s.clock, onEvent: s.onEvent }),
  finnhub: (s: FeedSettings) => new FinnhubFeedSource({ ...section(s, 'finnhub'), universe: s.universe, clock: s.clock, onEvent: s.onEvent }),
  alpaca: (s: FeedSettings) => new AlpacaFeedSource({ ...section(s, 'alpaca'), universe: s.universe, clock: s.clock, onEvent: s.onEvent }),
} as const;

export type FeedName = keyof typeof FACTORIES;
export type FeedSourceOf<N extends FeedName> = ReturnType<(typeof FACTORIES)[N]>;

/** The feeds the registry knows, for config validation and help text. */
export const FEED_NAMES: readonly FeedName[] = Object.freeze(Object.keys(FACTORIES) as FeedName[]);

export function isFeedName(name: string): name is FeedName {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * Builds the feed named `name` (start-up only). Throws
 * BourseError('config_invalid') naming the feed for an unknown name, a
 * missing section, or options the adapter rejects.
 */
export function createFeedSource<N extends FeedName>(name: N, settings: FeedSettings): FeedSourceOf<N>;
export function createFeedSource(name: string, settings: FeedSettings): FeedSource;
export function createFeedSource(name: string, settings: FeedSettings): FeedSource {
  if (!isFeedName(name)) throw new BourseError('config_invalid', `unknown feed "${name}" (known: ${FEED_NAMES.join(', ')})`);
  return FACTORIES[name](settings);
}

function section<K extends FeedName>(settings: FeedSettings, name: K): NonNullable<FeedSettings[K]> {
  const s = settings[name];
  if (!s) throw new BourseError('config_invalid', `feed "${name}" is selected but its settings are missing`);
  return s as NonNullable<FeedSettings[K]>;
}
