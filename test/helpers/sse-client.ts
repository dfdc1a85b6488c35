/** One Server-Sent Event as received. */
export interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * A real SSE client over fetch (what EventSource does, minus reconnecting):
 * records every event and every comment line (heartbeats) it receives.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly status: number;
  readonly headers: Headers;
  readonly #abort: AbortController;
  readonly done: Promise<void>;

  private constructor(res: Response, abort: AbortController) {
    this.status = res.status;
    this.headers = res.headers;
    this.#abort = abort;
    this.done = this.#read(res).catch(() => undefined);
  }

  /** Opens the stream; resolves once the response headers arrived (any status). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseClient(res, abort);
  }

  /** Body of a non-200 answer (JSON error). */
  async json(): Promise<unknown> {
    await this.done;
    return JSON.parse(this.#raw);
  }

  #raw = '';

  async #read(res: Response): Promise<void> {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const text = dec.decode(value, { stream: true });
      this.#raw += text;
      if (this.status !== 200) continue;
      buf += text;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        let id: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length) this.events.push({ event, id, data: data.join('\n') });
      }
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
