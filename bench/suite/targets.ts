import { BOURSE_ENTRY, SOCKETIO_ROOMS_ENTRY, UWS_BARE_ENTRY, WS_TOPICS_ENTRY } from '../load/paths.js';
import type { Target } from './scenario.js';

/** How the suite starts and speaks to each server it can measure. */
export interface TargetSpec {
  readonly target: Target;
  /** Node script and arguments. */
  readonly entry: readonly string[];
  /** WebSocket path (with query) the clients open. */
  readonly path: string;
  /** Sec-WebSocket-Protocol offered ('' = none). */
  readonly protocol: string;
  /** Engine.IO/Socket.IO framing over the WebSocket. */
  readonly socketio: boolean;
  /** Publishes every subscribed symbol on every flush (so the nominal delivery rate is known). */
  readonly publishesEveryFlush: boolean;
  readonly description: string;
}

export const TARGET_SPECS: Readonly<Record<Target, TargetSpec>> = {
  bourse: {
    target: 'bourse', entry: [BOURSE_ENTRY, 'serve'], path: '/v1/stream', protocol: 'bourse.v1.json', socketio: false, publishesEveryFlush: false,
    description: 'Bourse: uWS gateways, sharded ticker actors, conflated fan-out',
  },
  uws: {
    target: 'uws', entry: [UWS_BARE_ENTRY], path: '/v1/stream', protocol: 'bourse.v1.json', socketio: false, publishesEveryFlush: true,
    description: 'bare uWebSockets.js publisher, one thread (the ceiling)',
  },
  ws: {
    target: 'ws', entry: [WS_TOPICS_ENTRY], path: '/v1/stream', protocol: 'bourse.v1.json', socketio: false, publishesEveryFlush: true,
    description: 'plain `ws` server with topic maps, one thread',
  },
  socketio: {
    target: 'socketio', entry: [SOCKETIO_ROOMS_ENTRY], path: '/socket.io/?EIO=4&transport=websocket', protocol: '', socketio: true, publishesEveryFlush: true,
    description: 'Socket.IO 4 with one room per symbol, WebSocket transport, one thread',
  },
};
