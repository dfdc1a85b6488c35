import type { Config, Universe } from '../core/index.js';
import { loadSecUniverse } from './sec-universe.js';
import { loadUniverse } from './universe-loader.js';

/** The universe UNIVERSE_SOURCE names (the server and `bourse feed` agree on symbols this way). */
export async function resolveUniverse(config: Config): Promise<Universe> {
  switch (config.universeSource) {
    case 'sec':
      return loadSecUniverse(config);
    case 'embedded':
      return loadUniverse({ ...config, universeFile: undefined });
    case 'file':
    case 'auto':
      return loadUniverse(config);
  }
}
