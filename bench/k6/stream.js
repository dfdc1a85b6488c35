// k6 script: WebSocket stream load against Bourse (protocol v1, bourse.v1.json).
// Not run here (k6 is not installed on the bench machine); kept syntactically
// checked by test/bench/k6-scripts.test.ts. Run with:
//   k6 run -e BASE_WS=ws://127.0.0.1:8080 -e VUS=1000 -e DURATION=60s bench/k6/stream.js
import ws from 'k6/ws';
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const BASE_WS = __ENV.BASE_WS || 'ws://127.0.0.1:8080';
const SYMBOLS = (__ENV.SYMBOLS || 'AAPL,MSFT,NVDA,AMZN,GOOGL,META,TSLA,AVGO,JPM,SPY').split(',');
const PER_CONN = Number(__ENV.SYMBOLS_PER_CONN || 5);
const HOLD_S = Number(__ENV.HOLD_S || 30);

export const options = {
  scenarios: {
    stream: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP || '30s', target: Number(__ENV.VUS || 1000) },
        { duration: __ENV.DURATION || '60s', target: Number(__ENV.VUS || 1000) },
        { duration: '10s', target: 0 },
      ],
    },
  },
  thresholds: {
    tick_to_wire_ms: ['p(99)<150'],
    ws_connect_failed: ['count<1'],
  },
};

const tickToWire = new Trend('tick_to_wire_ms', true);
const quotes = new Counter('quotes_received');
const gaps = new Counter('seq_gaps');
const connectFailed = new Counter('ws_connect_failed');

export default function () {
  const first = (__VU * PER_CONN) % SYMBOLS.length;
  const mine = [];
  for (let i = 0; i < PER_CONN; i++) mine.push(SYMBOLS[(first + i) % SYMBOLS.length]);
  const lastSeq = {};

  const res = ws.connect(`${BASE_WS}/v1/stream`, { headers: { 'Sec-WebSocket-Protocol': 'bourse.v1.json' } }, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ op: 'subscribe', symbols: mine, channels: ['quotes'] })));
    socket.on('message', (data) => {
      const now = Date.now();
      const msgs = data.charAt(0) === '[' ? JSON.parse(data) : [JSON.parse(data)];
      for (const m of msgs) {
        if (m.type === 'snapshot') lastSeq[m.symbol] = m.seq;
        if (m.type !== 'quote') continue;
        quotes.add(1);
        if (typeof m.ta === 'number') tickToWire.add(now - m.ta);
        const prev = lastSeq[m.symbol];
        if (prev !== undefined && m.seq > prev + 1) gaps.add(m.seq - prev - 1);
        lastSeq[m.symbol] = m.seq;
      }
    });
    socket.setTimeout(() => socket.close(1000), HOLD_S * 1000);
  });
  if (!check(res, { 'status is 101': (r) => r && r.status === 101 })) connectFailed.add(1);
}
