import { createHash } from 'node:crypto';
import type { RedisCommands } from './redis-connection.js';

/**
 * A Lua script run by EVALSHA, falling back to EVAL (which also caches it on
 * the server) when the server does not know it yet (NOSCRIPT: a fresh or
 * restarted Redis, SCRIPT FLUSH). Scripts are atomic: nothing else runs on
 * the server while one does, so keep them short.
 */
export class RedisScript {
  readonly lua: string;
  readonly sha: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: RedisCommands, numKeys: number, ...keysAndArgs: (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, numKeys, ...keysAndArgs);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, numKeys, ...keysAndArgs);
    }
  }
}
