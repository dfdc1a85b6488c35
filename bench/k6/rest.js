// k6 script: REST hot paths of Bourse (quotes, bars, search).
// Not run here (k6 is not installed on the bench machine); kept syntactically
// checked by test/bench/k6-scripts.test.ts. Run with:
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=2000 bench/k6/rest.js
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const SYMBOLS = (__ENV.SYMBOLS || 'AAPL,MSFT,NVDA,AMZN,GOOGL,META,TSLA,AVGO,JPM,SPY').split(',');
const PATHS = (__ENV.PATHS || '/v1/quotes/{symbol},/v1/quotes?symbols={symbol},/v1/bars/{symbol}?limit=50,/v1/search?q={prefix}&limit=10').split(',');

export const options = {
  scenarios: {
    rest: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 2000),
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: Number(__ENV.VUS || 100),
      maxVUs: Number(__ENV.MAX_VUS || 500),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: ['p(99)<50'],
  },
};

export default function () {
  const symbol = SYMBOLS[Math.floor(Math.random() * SYMBOLS.length)];
  const template = PATHS[Math.floor(Math.random() * PATHS.length)];
  // {prefix}: the first two letters, as a search box sends them while the user types.
  const path = template.replace('{symbol}', encodeURIComponent(symbol)).replace('{prefix}', encodeURIComponent(symbol.slice(0, 2).toLowerCase()));
  const res = http.get(`${BASE_URL}${path}`, { tags: { name: template.split('?')[0].replace('{symbol}', ':symbol') } });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is JSON': (r) => {
      try {
        JSON.parse(r.body);
        return true;
      } catch (e) {
        return false;
      }
    },
  });
}
