/**
 * The one module that imports uWebSockets.js. Everything else in the gateway
 * uses the narrow names re-exported here, so the binding can be swapped (or
 * pinned to another build) in one place.
 */
import uWS from 'uWebSockets.js';

export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior, us_listen_socket } from 'uWebSockets.js';

export const createApp = (): uWS.TemplatedApp => uWS.App();

/** Stops accepting on a listen socket (connections already open stay open). */
export const closeListenSocket = (s: uWS.us_listen_socket): void => uWS.us_listen_socket_close(s);

/** The port a listen socket is bound to (useful with PORT=0). */
export const listenPort = (s: uWS.us_listen_socket): number => uWS.us_socket_local_port(s as unknown as uWS.us_socket);

export const COMPRESSION_DISABLED = uWS.DISABLED;

/*
 * Thread exit rule (measured on this uWS build with Node 20): a worker thread
 * that ends while its App still holds any socket — listen, WebSocket or
 * keep-alive HTTP — aborts the whole process in uv_loop_close. Worker.terminate()
 * from outside does the same. So a gateway thread always ends itself, and only
 * after closeApp(): on graceful drain, on a forced stop, and on a crash
 * (uncaughtException handler).
 */

/** Closes every socket of the app (listen, WebSocket, HTTP keep-alive) so the thread may end. */
export const closeApp = (app: uWS.TemplatedApp): void => {
  (app as unknown as { close(): void }).close();
};
