import { availableParallelism } from 'node:os';
import { BourseError } from './errors.js';

/**
 * Configuration is read once, at start-up: defaults, then the environment
 * variables in CONFIG_TABLE, then validation that names the bad variable,
 * then a frozen object passed down to every thread. Nothing else reads
 * process.env.
 */

type Kind =
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'string' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'bool' };

interface Entry {
  readonly env: string;
  readonly key: keyof Config;
  readonly kind: Kind;
  readonly default: (cores: number) => string | number | boolean | undefined;
  readonly doc: string;
}

export const FEEDS = ['simulator', 'replay', 'finnhub', 'alpaca', 'none'] as const;
/** Variables whose values are secrets: never printed (`bourse config` shows them redacted). */
export const SECRET_VARIABLES: readonly (keyof Config)[] = ['finnhubToken', 'alpacaKeyId', 'alpacaSecret', 'adminToken', 'databaseUrl', 'authPrivateKey', 'redisUrl'];
export const SIM_PROFILES = ['steady', 'open', 'news'] as const;
export const OTEL_TRACES_EXPORTERS = ['otlp', 'console', 'none'] as const;
export const OTEL_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly gatewayThreads: number;
  readonly shards: number;
  readonly feed: (typeof FEEDS)[number];
  readonly simRate: number;
  readonly simProfile: (typeof SIM_PROFILES)[number];
  readonly simSeed: number;
  readonly universeSource: 'auto' | 'embedded' | 'file' | 'sec';
  readonly universeFile: string | undefined;
  readonly universeSize: number;
  readonly flushMs: number;
  readonly maxSubscriptions: number;
  readonly maxFrameBytes: number;
  readonly opsPerSecond: number;
  readonly opsBurst: number;
  readonly backpressureSoftBytes: number;
  readonly backpressureHardBytes: number;
  readonly idleTimeoutS: number;
  readonly shutdownTimeoutMs: number;
  readonly reconnectHintMs: number;
  readonly restartBackoffMs: number;
  readonly restartBackoffMaxMs: number;
  readonly indicatorWindow: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly dataDir: string;
  /** NATS servers (comma-separated); unset = the in-process tick path without JetStream. */
  readonly natsUrl: string | undefined;
  readonly natsMarketStream: string;
  readonly natsQuarantineStream: string;
  readonly natsSubjectPrefix: string;
  readonly natsQuarantinePrefix: string;
  readonly natsDurable: string;
  readonly natsAckWaitMs: number;
  readonly natsMaxDeliver: number;
  readonly natsFetchBatch: number;
  readonly natsMaxUnacked: number;
  readonly natsMarketMaxAgeS: number;
  readonly natsMarketMaxBytes: number;
  readonly secUserAgent: string | undefined;
  readonly secStream: string;
  readonly secSubjectPrefix: string;
  readonly secRequestsPerSecond: number;
  readonly secTickersUrl: string;
  readonly secSubmissionsUrl: string;
  /** SIM_BURST: one scheduled rate burst of the simulator (benchmarks), or undefined. */
  readonly simBurst: { readonly atMs: number; readonly durationMs: number; readonly multiplier: number } | undefined;
  readonly feedFile: string | undefined;
  readonly feedSymbol: string;
  /** Replay speed: 1 = real time, 60 = a minute per second, Infinity = as fast as possible. */
  readonly feedSpeed: number;
  readonly feedLoop: boolean;
  readonly feedEventTime: 'data' | 'now';
  readonly feedSymbols: readonly string[];
  readonly finnhubToken: string | undefined;
  readonly finnhubUrl: string;
  readonly alpacaKeyId: string | undefined;
  readonly alpacaSecret: string | undefined;
  readonly alpacaUrl: string;
  /** Bearer token for /admin/*; unset = admin endpoints answer 404. */
  readonly adminToken: string | undefined;
  /** Postgres URL; unset = PGlite (embedded Postgres) in DATA_DIR/pglite. */
  readonly databaseUrl: string | undefined;
  readonly dbPoolSize: number;
  /** Run pending migrations at start. */
  readonly migrateOnStart: boolean;
  /** PEM (PKCS#8) RS256 signing key; unset = generated into DATA_DIR/auth on first start. */
  readonly authPrivateKey: string | undefined;
  readonly authIssuer: string;
  readonly accessTokenTtlS: number;
  readonly refreshTokenTtlS: number;
  /** Whether a WebSocket without a token may stream public channels. */
  readonly anonymousStream: boolean;
  readonly loginRateLimit: number;
  readonly apiRateLimit: number;
  readonly maxDashboards: number;
  readonly maxWatchlistSymbols: number;
  readonly maxAlerts: number;
  readonly barWriteIntervalMs: number;
  /** scrypt cost of new password hashes, as log2 N. */
  readonly passwordHashCost: number;
  readonly universeHeadroom: number;
  /** Longest CPU profile /admin/profile may take, seconds. */
  readonly profileMaxSeconds: number;
  /** CPU profile sampling interval, µs. */
  readonly profileSamplingUs: number;
  /** OpenTelemetry (standard variables): traces are off unless an exporter is chosen (see core/tracing). */
  readonly otelSdkDisabled: boolean;
  readonly otelTracesExporter: (typeof OTEL_TRACES_EXPORTERS)[number] | undefined;
  readonly otelExporterOtlpEndpoint: string | undefined;
  readonly otelExporterOtlpProtocol: 'http/protobuf' | 'http/json';
  readonly otelTracesSampler: (typeof OTEL_SAMPLERS)[number];
  readonly otelTracesSamplerArg: string | undefined;
  readonly otelServiceName: string;
  /** Redis for the speed layer (last quotes, shared rate limits); unset = in-process only. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly quoteCacheTtlS: number;
  readonly quoteCacheWarmMs: number;
  /** Prefix of Bourse's own metric names (`bourse_`). */
  readonly metricsPrefix: string;
  /** SEC documents (ticker list, submissions documents or a directory of them) that add CIK and SIC to the company directory. */
  readonly companyProfiles: readonly string[];
  /** Alert notifications go to NATS subject `<prefix>.alerts.<investorId>` when NATS_URL is set. */
  readonly natsAlertsPrefix: string;
  readonly sseHeartbeatMs: number;
  readonly maxSseStreams: number;
  readonly sseMaxBufferBytes: number;
}

const int = (min: number, max: number): Kind => ({ type: 'int', min, max });
const threads = (cores: number) => Math.max(1, Math.min(cores, 8));
/**
 * Shards do far less work than gateways (measured: shard-0 12% vs 38–39% of a core for each
 * gateway at 5,000 connections × 10 symbols; docs/benchmarks.md, "Why steady misses p99 80 ms"),
 * so they get half the cores.
 */
const shardThreads = (cores: number) => Math.max(1, Math.min(Math.floor(cores / 2), 8));

export const CONFIG_TABLE: readonly Entry[] = [
  { env: 'HOST', key: 'host', kind: { type: 'string' }, default: () => '0.0.0.0', doc: 'Address the gateways listen on.' },
  { env: 'PORT', key: 'port', kind: int(0, 65535), default: () => 8080, doc: 'Port for HTTP and WebSocket (0 = any free port).' },
  { env: 'GATEWAY_THREADS', key: 'gatewayThreads', kind: int(1, 64), default: threads, doc: 'uWebSockets.js gateway threads sharing the port (default: cores, at most 8).' },
  { env: 'SHARDS', key: 'shards', kind: int(1, 64), default: shardThreads, doc: 'Ticker shard worker threads (default: half the cores, at least 1, at most 8).' },
  { env: 'FEED', key: 'feed', kind: { type: 'enum', values: FEEDS }, default: () => 'simulator', doc: 'Market source: `simulator`, `replay` (CSV minute bars), `finnhub`, `alpaca`, or `none`.' },
  { env: 'SIM_RATE', key: 'simRate', kind: int(0, 2_000_000), default: () => 5000, doc: 'Simulator ticks per second across all symbols (before profile bursts).' },
  { env: 'SIM_PROFILE', key: 'simProfile', kind: { type: 'enum', values: SIM_PROFILES }, default: () => 'steady', doc: 'Simulator profile: `steady`, `open` (opening burst) or `news` (random per-symbol bursts).' },
  { env: 'SIM_SEED', key: 'simSeed', kind: int(0, 2 ** 31 - 1), default: () => 0, doc: 'Simulator random seed; 0 = random.' },
  { env: 'UNIVERSE_SOURCE', key: 'universeSource', kind: { type: 'enum', values: ['auto', 'embedded', 'file', 'sec'] }, default: () => 'auto', doc: 'Symbol universe: `embedded` (600 US tickers), `file` (UNIVERSE_FILE), `sec` (the SEC stream, after `bourse sec sync`; needs NATS_URL); `auto` = file if UNIVERSE_FILE is set, else embedded.' },
  { env: 'UNIVERSE_FILE', key: 'universeFile', kind: { type: 'string' }, default: () => undefined, doc: 'Path to an SEC company_tickers_exchange.json; unset = the embedded list of US tickers.' },
  { env: 'UNIVERSE_SIZE', key: 'universeSize', kind: int(1, 100_000), default: () => 100_000, doc: 'Keep at most this many symbols of the universe (in its order).' },
  { env: 'FLUSH_MS', key: 'flushMs', kind: int(5, 5000), default: () => 50, doc: 'Shard flush (conflation) interval in milliseconds.' },
  { env: 'MAX_SUBSCRIPTIONS', key: 'maxSubscriptions', kind: int(1, 100_000), default: () => 500, doc: 'Symbols one connection may subscribe to.' },
  { env: 'MAX_FRAME_BYTES', key: 'maxFrameBytes', kind: int(64, 1 << 20), default: () => 16384, doc: 'Largest client frame accepted; larger ones get `frame_too_large`.' },
  { env: 'OPS_PER_SECOND', key: 'opsPerSecond', kind: int(1, 100_000), default: () => 20, doc: 'Sustained client ops per second per connection (token bucket rate).' },
  { env: 'OPS_BURST', key: 'opsBurst', kind: int(1, 100_000), default: () => 40, doc: 'Client op burst per connection (token bucket size).' },
  { env: 'BACKPRESSURE_SOFT_BYTES', key: 'backpressureSoftBytes', kind: int(1024, 1 << 30), default: () => 256 * 1024, doc: 'Buffered bytes above which a socket skips conflated quote frames.' },
  { env: 'BACKPRESSURE_HARD_BYTES', key: 'backpressureHardBytes', kind: int(2048, 1 << 30), default: () => 4 * 1024 * 1024, doc: 'Buffered bytes above which a socket is closed with 4001 slow_consumer.' },
  { env: 'IDLE_TIMEOUT_S', key: 'idleTimeoutS', kind: int(8, 960), default: () => 120, doc: 'WebSocket idle timeout in seconds (server pings before it).' },
  { env: 'SHUTDOWN_TIMEOUT_MS', key: 'shutdownTimeoutMs', kind: int(100, 600_000), default: () => 10_000, doc: 'Graceful shutdown deadline.' },
  { env: 'RECONNECT_HINT_MS', key: 'reconnectHintMs', kind: int(0, 600_000), default: () => 5000, doc: 'Upper bound of the jittered reconnect delay hinted to clients at shutdown.' },
  { env: 'RESTART_BACKOFF_MS', key: 'restartBackoffMs', kind: int(0, 60_000), default: () => 100, doc: 'First delay before restarting a crashed thread (doubles per crash).' },
  { env: 'RESTART_BACKOFF_MAX_MS', key: 'restartBackoffMaxMs', kind: int(0, 600_000), default: () => 10_000, doc: 'Longest delay between restarts of a crashing thread.' },
  { env: 'INDICATOR_WINDOW', key: 'indicatorWindow', kind: int(2, 10_000), default: () => 20, doc: 'Trades in the moving-average window, and 1-minute returns in the volatility window.' },
  { env: 'LOG_LEVEL', key: 'logLevel', kind: { type: 'enum', values: LOG_LEVELS }, default: () => 'info', doc: 'Log level.' },
  { env: 'DATA_DIR', key: 'dataDir', kind: { type: 'string' }, default: () => './data', doc: 'Directory for local state.' },
  { env: 'DATABASE_URL', key: 'databaseUrl', kind: { type: 'string' }, default: () => undefined, doc: 'Postgres URL (`postgres://user@host:5432/db`); unset = PGlite, embedded Postgres in `DATA_DIR/pglite` (secret).' },
  { env: 'DB_POOL_SIZE', key: 'dbPoolSize', kind: int(1, 100), default: () => 10, doc: 'Postgres connections in the store thread\'s pool.' },
  { env: 'MIGRATE_ON_START', key: 'migrateOnStart', kind: { type: 'bool' }, default: () => true, doc: 'Apply pending database migrations when the server starts (`bourse migrate` does it by hand).' },
  { env: 'AUTH_PRIVATE_KEY', key: 'authPrivateKey', kind: { type: 'string' }, default: () => undefined, doc: 'RS256 signing key, PKCS#8 PEM; unset = generated into `DATA_DIR/auth/` on first start and kept (secret).' },
  { env: 'AUTH_ISSUER', key: 'authIssuer', kind: { type: 'string' }, default: () => 'bourse', doc: 'JWT `iss` of access tokens.' },
  { env: 'ACCESS_TOKEN_TTL_S', key: 'accessTokenTtlS', kind: int(30, 86_400), default: () => 900, doc: 'Access token lifetime in seconds.' },
  { env: 'REFRESH_TOKEN_TTL_S', key: 'refreshTokenTtlS', kind: int(60, 365 * 86_400), default: () => 30 * 86_400, doc: 'Refresh token lifetime in seconds (rotated on every use).' },
  { env: 'ANONYMOUS_STREAM', key: 'anonymousStream', kind: { type: 'bool' }, default: () => true, doc: 'Let WebSocket clients without a token stream public quotes, trades and bars.' },
  { env: 'LOGIN_RATE_LIMIT', key: 'loginRateLimit', kind: int(1, 100_000), default: () => 10, doc: 'Login and register attempts per minute per IP and per email.' },
  { env: 'API_RATE_LIMIT', key: 'apiRateLimit', kind: int(1, 1_000_000), default: () => 600, doc: 'REST requests per minute per investor (or per IP when anonymous).' },
  { env: 'MAX_DASHBOARDS', key: 'maxDashboards', kind: int(1, 1000), default: () => 20, doc: 'Dashboards one investor may keep.' },
  { env: 'MAX_WATCHLIST_SYMBOLS', key: 'maxWatchlistSymbols', kind: int(1, 10_000), default: () => 200, doc: 'Symbols in one dashboard\'s watchlist.' },
  { env: 'MAX_ALERTS', key: 'maxAlerts', kind: int(1, 100_000), default: () => 200, doc: 'Alert rules one investor may keep.' },
  { env: 'BAR_WRITE_INTERVAL_MS', key: 'barWriteIntervalMs', kind: int(10, 60_000), default: () => 1000, doc: 'Closed 1-minute bars are written to the database in batches at this interval.' },
  { env: 'NATS_URL', key: 'natsUrl', kind: { type: 'string' }, default: () => undefined, doc: 'NATS servers, comma-separated (`nats://127.0.0.1:4222`). Set: ticks flow feed → JetStream → ingest → shards with explicit acks. Unset: in-process.' },
  { env: 'NATS_MARKET_STREAM', key: 'natsMarketStream', kind: { type: 'string' }, default: () => 'MARKET', doc: 'JetStream stream for ticks.' },
  { env: 'NATS_QUARANTINE_STREAM', key: 'natsQuarantineStream', kind: { type: 'string' }, default: () => 'QUARANTINE', doc: 'JetStream stream for poison pills.' },
  { env: 'NATS_SUBJECT_PREFIX', key: 'natsSubjectPrefix', kind: { type: 'string' }, default: () => 'md', doc: 'Tick subjects are `<prefix>.trade.<SYM>` and `<prefix>.quote.<SYM>`.' },
  { env: 'NATS_QUARANTINE_PREFIX', key: 'natsQuarantinePrefix', kind: { type: 'string' }, default: () => 'quarantine', doc: 'Quarantined messages go to `<prefix>.<original subject>`.' },
  { env: 'NATS_DURABLE', key: 'natsDurable', kind: { type: 'string' }, default: () => 'bourse-ingest', doc: 'Durable consumer name (one running consumer per name).' },
  { env: 'NATS_ACK_WAIT_MS', key: 'natsAckWaitMs', kind: int(1000, 600_000), default: () => 10_000, doc: 'JetStream ack wait: an unacked tick is redelivered after this.' },
  { env: 'NATS_MAX_DELIVER', key: 'natsMaxDeliver', kind: int(2, 1000), default: () => 5, doc: 'Deliveries before a tick that keeps failing is quarantined.' },
  { env: 'NATS_FETCH_BATCH', key: 'natsFetchBatch', kind: int(1, 100_000), default: () => 1000, doc: 'Messages per pull request.' },
  { env: 'NATS_MAX_UNACKED', key: 'natsMaxUnacked', kind: int(1, 1_000_000), default: () => 16_384, doc: 'Fetching pauses while this many ticks are unacked or not yet applied by shards.' },
  { env: 'NATS_MARKET_MAX_AGE_S', key: 'natsMarketMaxAgeS', kind: int(60, 365 * 86400), default: () => 86_400, doc: 'MARKET keeps ticks at most this long.' },
  { env: 'NATS_MARKET_MAX_BYTES', key: 'natsMarketMaxBytes', kind: int(1 << 20, 2 ** 50), default: () => 4 * 1024 ** 3, doc: 'MARKET keeps at most this many bytes.' },
  { env: 'FEED_FILE', key: 'feedFile', kind: { type: 'string' }, default: () => undefined, doc: 'FEED=replay: minute-bar CSV (`YYYYMMDD HHMMSS;open;high;low;close;volume`).' },
  { env: 'FEED_SYMBOL', key: 'feedSymbol', kind: { type: 'string' }, default: () => 'SPY', doc: 'FEED=replay: the symbol the file is replayed as.' },
  { env: 'FEED_SPEED', key: 'feedSpeed', kind: { type: 'string' }, default: () => '1', doc: 'FEED=replay: 1 = real time, 60 = one minute of data per second, `max` = as fast as possible.' },
  { env: 'FEED_LOOP', key: 'feedLoop', kind: { type: 'bool' }, default: () => false, doc: 'FEED=replay: start over at the end of the file.' },
  { env: 'FEED_EVENT_TIME', key: 'feedEventTime', kind: { type: 'enum', values: ['data', 'now'] }, default: () => 'now', doc: 'FEED=replay: stamp ticks with the data\'s times or shift them to now.' },
  { env: 'FEED_SYMBOLS', key: 'feedSymbols', kind: { type: 'string' }, default: () => 'AAPL,MSFT,SPY', doc: 'FEED=finnhub|alpaca: comma-separated symbols to subscribe to.' },
  { env: 'FINNHUB_TOKEN', key: 'finnhubToken', kind: { type: 'string' }, default: () => undefined, doc: 'FEED=finnhub: API token (secret).' },
  { env: 'FINNHUB_URL', key: 'finnhubUrl', kind: { type: 'string' }, default: () => 'wss://ws.finnhub.io', doc: 'FEED=finnhub: stream URL.' },
  { env: 'ALPACA_KEY_ID', key: 'alpacaKeyId', kind: { type: 'string' }, default: () => undefined, doc: 'FEED=alpaca: key id (secret).' },
  { env: 'ALPACA_SECRET', key: 'alpacaSecret', kind: { type: 'string' }, default: () => undefined, doc: 'FEED=alpaca: secret key (secret).' },
  { env: 'ALPACA_URL', key: 'alpacaUrl', kind: { type: 'string' }, default: () => 'wss://stream.data.alpaca.markets/v2/iex', doc: 'FEED=alpaca: market data v2 stream URL.' },
  { env: 'BOURSE_ADMIN_TOKEN', key: 'adminToken', kind: { type: 'string' }, default: () => undefined, doc: 'Enables /admin/* (e.g. the quarantine) for `Authorization: Bearer <token>`; at least 16 characters (secret).' },
  { env: 'SEC_USER_AGENT', key: 'secUserAgent', kind: { type: 'string' }, default: () => undefined, doc: 'User-Agent the SEC requires for EDGAR requests (`Company admin@example.com`); needed by `bourse sec sync --from-edgar`.' },
  { env: 'SEC_STREAM', key: 'secStream', kind: { type: 'string' }, default: () => 'SEC', doc: 'JetStream stream of normalised company events (last event per company).' },
  { env: 'SEC_SUBJECT_PREFIX', key: 'secSubjectPrefix', kind: { type: 'string' }, default: () => 'sec', doc: 'Company events go to `<prefix>.company.upsert.<cik>`.' },
  { env: 'SEC_REQUESTS_PER_SECOND', key: 'secRequestsPerSecond', kind: int(1, 10), default: () => 10, doc: 'EDGAR request rate (the SEC allows at most 10/s).' },
  { env: 'SEC_TICKERS_URL', key: 'secTickersUrl', kind: { type: 'string' }, default: () => 'https://www.sec.gov/files/company_tickers_exchange.json', doc: 'EDGAR ticker list URL.' },
  { env: 'SEC_SUBMISSIONS_URL', key: 'secSubmissionsUrl', kind: { type: 'string' }, default: () => 'https://data.sec.gov/submissions/', doc: 'EDGAR submissions base URL (`CIK##########.json` is appended).' },
  { env: 'PASSWORD_HASH_COST', key: 'passwordHashCost', kind: int(10, 20), default: () => 15, doc: 'scrypt cost of new password hashes as log2 N (r=8, p=1; 15 = 32 MiB and ~0.4 s per hash on the 2-core bench VM, docs/benchmarks.md \"Authentication costs\"). Existing hashes keep the cost they were made with.' },
  { env: 'UNIVERSE_HEADROOM', key: 'universeHeadroom', kind: int(0, 100_000), default: () => 1024, doc: 'Room per shard for symbols added while running (UNIVERSE_SOURCE=sec follows new listings live); beyond it a new listing waits for a restart.' },
  { env: 'SIM_BURST', key: 'simBurst', kind: { type: 'string' }, default: () => undefined, doc: 'Simulator: one rate burst `AT_EPOCH_MS:DURATION_MS:MULTIPLIER` (e.g. 10× for 10 s, for the burst benchmark); unset = none.' },
  { env: 'PROFILE_MAX_SECONDS', key: 'profileMaxSeconds', kind: int(1, 3600), default: () => 60, doc: 'Longest CPU profile `/admin/profile` and `/admin/flamegraph` take (`seconds=` above it: `invalid_profile_seconds`).' },
  { env: 'PROFILE_SAMPLING_US', key: 'profileSamplingUs', kind: int(50, 100_000), default: () => 1000, doc: 'CPU profile sampling interval in microseconds (smaller: finer profiles, more overhead on the profiled thread).' },
  { env: 'OTEL_SDK_DISABLED', key: 'otelSdkDisabled', kind: { type: 'bool' }, default: () => false, doc: 'OpenTelemetry: `true` turns tracing off whatever else is set.' },
  { env: 'OTEL_TRACES_EXPORTER', key: 'otelTracesExporter', kind: { type: 'enum', values: OTEL_TRACES_EXPORTERS }, default: () => undefined, doc: 'OpenTelemetry trace exporter: `otlp`, `console` or `none`; unset = `otlp` when an OTLP endpoint is set, else none (traces off).' },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', key: 'otelExporterOtlpEndpoint', kind: { type: 'string' }, default: () => undefined, doc: 'OTLP/HTTP collector base URL (`http://collector:4318`; traces go to `/v1/traces`). Other `OTEL_EXPORTER_OTLP_*` variables (headers, timeout) are read by the SDK.' },
  { env: 'OTEL_EXPORTER_OTLP_PROTOCOL', key: 'otelExporterOtlpProtocol', kind: { type: 'enum', values: ['http/protobuf', 'http/json'] }, default: () => 'http/protobuf', doc: 'OTLP encoding over HTTP (gRPC is not bundled).' },
  { env: 'OTEL_TRACES_SAMPLER', key: 'otelTracesSampler', kind: { type: 'enum', values: OTEL_SAMPLERS }, default: () => 'parentbased_always_on', doc: 'Trace sampler (standard names); use `parentbased_traceidratio` with OTEL_TRACES_SAMPLER_ARG under load.' },
  { env: 'OTEL_TRACES_SAMPLER_ARG', key: 'otelTracesSamplerArg', kind: { type: 'string' }, default: () => undefined, doc: 'Sampling ratio 0..1 for the `traceidratio` samplers (default 1).' },
  { env: 'OTEL_SERVICE_NAME', key: 'otelServiceName', kind: { type: 'string' }, default: () => 'bourse', doc: 'service.name of every span.' },
  { env: 'REDIS_URL', key: 'redisUrl', kind: { type: 'string' }, default: () => undefined, doc: 'Redis (`redis://host:6379/0`, `rediss://` for TLS) for the speed layer: last quotes shared across nodes and warm starts, shared rate limits (docs/redis.md). Unset = in-process only (secret).' },
  { env: 'REDIS_KEY_PREFIX', key: 'redisKeyPrefix', kind: { type: 'string' }, default: () => 'bourse:', doc: 'Prefix of every Redis key Bourse writes (`<prefix>quote:AAPL`); 1–64 of A–Z a–z 0–9 `_ - . :`.' },
  { env: 'QUOTE_CACHE_TTL_S', key: 'quoteCacheTtlS', kind: int(1, 30 * 86_400), default: () => 4 * 86_400, doc: 'Lifetime of a cached last quote in Redis, renewed on every write (default 4 days: a long weekend).' },
  { env: 'QUOTE_CACHE_WARM_MS', key: 'quoteCacheWarmMs', kind: int(0, 60_000), default: () => 2000, doc: 'How long a starting shard may wait for its symbols\' last quotes from Redis before it starts cold (0 = never warm).' },
  { env: 'METRICS_PREFIX', key: 'metricsPrefix', kind: { type: 'string' }, default: () => 'bourse_', doc: 'Prefix of every Bourse metric name at /metrics (prom-client\'s process_* and nodejs_* keep their standard names).' },
  { env: 'COMPANY_PROFILES', key: 'companyProfiles', kind: { type: 'string' }, default: () => undefined, doc: 'Comma-separated SEC documents (a company_tickers_exchange.json, `CIK##########.json` submissions documents or a directory of them) that add CIK and SIC industry to the company directory at start; unset = UNIVERSE_FILE alone (CIK only).' },
  { env: 'NATS_ALERTS_PREFIX', key: 'natsAlertsPrefix', kind: { type: 'string' }, default: () => 'bourse', doc: 'Alert notifications are published on `<prefix>.alerts.<investorId>` (core NATS) when NATS_URL is set.' },
  { env: 'SSE_HEARTBEAT_MS', key: 'sseHeartbeatMs', kind: int(100, 300_000), default: () => 15_000, doc: 'A comment line goes to every /v1/notifications/stream client this often, so proxies keep the stream open.' },
  { env: 'MAX_SSE_STREAMS', key: 'maxSseStreams', kind: int(1, 100), default: () => 5, doc: 'Open /v1/notifications/stream connections one investor may hold per gateway thread.' },
  { env: 'SSE_MAX_BUFFER_BYTES', key: 'sseMaxBufferBytes', kind: int(16_384, 67_108_864), default: () => 1_048_576, doc: 'A /v1/notifications/stream client that stops reading is closed once this much has waited for it since it last caught up; it reconnects with Last-Event-ID and the missed alerts are replayed from the database.' },
];

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NATS_SERVER = /^(nats|tls|ws|wss):\/\/[^\s,]+$/;

/**
 * Builds the configuration from `env` over the defaults. Throws a
 * BourseError('config_invalid') naming the first bad variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, cores = availableParallelism()): Config {
  const out: Record<string, unknown> = {};
  for (const e of CONFIG_TABLE) {
    const raw = env[e.env];
    out[e.key] = raw === undefined || raw === '' ? e.default(cores) : parse(e, raw.trim());
  }
  const speed = String(out.feedSpeed);
  out.feedSpeed = speed === 'max' ? Number.POSITIVE_INFINITY : Number(speed);
  if (!(Number(out.feedSpeed) > 0)) fail('FEED_SPEED', speed, 'must be a positive number or max');
  out.companyProfiles = String(out.companyProfiles ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  out.feedSymbols = String(out.feedSymbols)
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const c = out as unknown as Config;
  if (c.backpressureHardBytes <= c.backpressureSoftBytes) {
    fail('BACKPRESSURE_HARD_BYTES', String(c.backpressureHardBytes), `must be greater than BACKPRESSURE_SOFT_BYTES (${c.backpressureSoftBytes})`);
  }
  if (c.opsBurst < c.opsPerSecond) fail('OPS_BURST', String(c.opsBurst), `must be at least OPS_PER_SECOND (${c.opsPerSecond})`);
  if (c.restartBackoffMaxMs < c.restartBackoffMs) fail('RESTART_BACKOFF_MAX_MS', String(c.restartBackoffMaxMs), 'must be at least RESTART_BACKOFF_MS');
  if (c.natsUrl !== undefined) {
    for (const s of c.natsUrl.split(',')) if (!NATS_SERVER.test(s.trim())) fail('NATS_URL', c.natsUrl, 'must be nats://host:port (or tls://, ws://, wss://), comma-separated');
  }
  for (const [env, v] of [['NATS_MARKET_STREAM', c.natsMarketStream], ['NATS_QUARANTINE_STREAM', c.natsQuarantineStream], ['NATS_DURABLE', c.natsDurable]] as const) {
    if (!STREAM_NAME.test(v)) fail(env, v, 'must be 1–64 of A–Z a–z 0–9 _ -');
  }
  for (const [env, v] of [['NATS_SUBJECT_PREFIX', c.natsSubjectPrefix], ['NATS_QUARANTINE_PREFIX', c.natsQuarantinePrefix]] as const) {
    if (!SUBJECT_PREFIX.test(v)) fail(env, v, 'must be dot-separated tokens of A–Z a–z 0–9 _ -');
  }
  if (!SUBJECT_PREFIX.test(c.natsAlertsPrefix)) fail('NATS_ALERTS_PREFIX', c.natsAlertsPrefix, 'must be dot-separated tokens of A–Z a–z 0–9 _ -');
  if (c.natsSubjectPrefix === c.natsQuarantinePrefix) fail('NATS_QUARANTINE_PREFIX', c.natsQuarantinePrefix, 'must differ from NATS_SUBJECT_PREFIX');
  if (c.adminToken !== undefined && c.adminToken.length < 16) fail('BOURSE_ADMIN_TOKEN', '(redacted)', 'must be at least 16 characters');
  if (c.universeSource === 'file' && !c.universeFile) fail('UNIVERSE_FILE', '', 'must be set when UNIVERSE_SOURCE=file');
  if (c.universeSource === 'sec' && !c.natsUrl) fail('NATS_URL', '', 'must be set when UNIVERSE_SOURCE=sec');
  const need = (env: string, v: unknown) => v === undefined && fail(env, '', `must be set when FEED=${c.feed}`);
  if (c.feed === 'replay') need('FEED_FILE', c.feedFile);
  if (c.feed === 'finnhub') need('FINNHUB_TOKEN', c.finnhubToken);
  if (c.feed === 'alpaca') {
    need('ALPACA_KEY_ID', c.alpacaKeyId);
    need('ALPACA_SECRET', c.alpacaSecret);
  }
  if ((c.feed === 'finnhub' || c.feed === 'alpaca') && c.feedSymbols.length === 0) fail('FEED_SYMBOLS', '', 'must name at least one symbol');
  for (const [env, v] of [['FINNHUB_URL', c.finnhubUrl], ['ALPACA_URL', c.alpacaUrl]] as const) {
    if (!/^wss?:\/\/\S+$/.test(v)) fail(env, v, 'must be a ws:// or wss:// URL');
  }
  if (c.databaseUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(c.databaseUrl)) fail('DATABASE_URL', '(redacted)', 'must be a postgres:// or postgresql:// URL');
  if (c.authPrivateKey !== undefined && !c.authPrivateKey.includes('-----BEGIN PRIVATE KEY-----')) fail('AUTH_PRIVATE_KEY', '(redacted)', 'must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)');
  if (c.refreshTokenTtlS <= c.accessTokenTtlS) fail('REFRESH_TOKEN_TTL_S', String(c.refreshTokenTtlS), 'must be longer than ACCESS_TOKEN_TTL_S');
  if (!STREAM_NAME.test(c.secStream)) fail('SEC_STREAM', c.secStream, 'must be 1–64 of A–Z a–z 0–9 _ -');
  if (!SUBJECT_PREFIX.test(c.secSubjectPrefix)) fail('SEC_SUBJECT_PREFIX', c.secSubjectPrefix, 'must be dot-separated tokens of A–Z a–z 0–9 _ -');
  if ([c.natsSubjectPrefix, c.natsQuarantinePrefix].includes(c.secSubjectPrefix)) fail('SEC_SUBJECT_PREFIX', c.secSubjectPrefix, 'must differ from the MARKET and QUARANTINE prefixes');
  for (const [env, v] of [['SEC_TICKERS_URL', c.secTickersUrl], ['SEC_SUBMISSIONS_URL', c.secSubmissionsUrl]] as const) {
    if (!/^https?:\/\/\S+$/.test(v)) fail(env, v, 'must be an http(s) URL');
  }
  out.simBurst = out.simBurst === undefined ? undefined : parseSimBurst(String(out.simBurst));
  if (c.otelExporterOtlpEndpoint !== undefined && !/^https?:\/\/\S+$/.test(c.otelExporterOtlpEndpoint)) fail('OTEL_EXPORTER_OTLP_ENDPOINT', c.otelExporterOtlpEndpoint, 'must be an http(s) URL');
  if (c.otelTracesSamplerArg !== undefined && !(Number(c.otelTracesSamplerArg) >= 0 && Number(c.otelTracesSamplerArg) <= 1)) fail('OTEL_TRACES_SAMPLER_ARG', c.otelTracesSamplerArg, 'must be a number from 0 to 1');
  if (c.redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(c.redisUrl)) fail('REDIS_URL', '(redacted)', 'must be a redis:// or rediss:// URL');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(c.redisKeyPrefix)) fail('REDIS_KEY_PREFIX', c.redisKeyPrefix, 'must be 1–64 of A–Z a–z 0–9 _ - . :');
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(c.metricsPrefix)) fail('METRICS_PREFIX', c.metricsPrefix, 'must be letters, digits, _ or : and not start with a digit');
  return Object.freeze(c);
}

/** SIM_BURST = AT_EPOCH_MS:DURATION_MS:MULTIPLIER (multiplier 1–100, duration up to an hour). */
function parseSimBurst(raw: string): Config['simBurst'] {
  const m = /^(\d{1,15}):(\d{1,7}):(\d+(?:\.\d+)?)$/.exec(raw);
  const v = m ? { atMs: Number(m[1]), durationMs: Number(m[2]), multiplier: Number(m[3]) } : undefined;
  if (!v || v.durationMs < 1 || v.durationMs > 3_600_000 || !(v.multiplier >= 1 && v.multiplier <= 100)) {
    return fail('SIM_BURST', raw, 'must be AT_EPOCH_MS:DURATION_MS:MULTIPLIER with a duration of 1 ms to 1 h and a multiplier from 1 to 100');
  }
  return Object.freeze(v);
}

function parse(e: Entry, raw: string): string | number | boolean {
  switch (e.kind.type) {
    case 'string':
      return raw;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return fail(e.env, raw, 'must be true or false');
    case 'enum':
      if (e.kind.values.includes(raw)) return raw;
      return fail(e.env, raw, `must be one of ${e.kind.values.join(', ')}`);
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return fail(e.env, raw, 'must be an integer');
      const n = Number(raw);
      if (n < e.kind.min || n > e.kind.max) return fail(e.env, raw, `must be between ${e.kind.min} and ${e.kind.max}`);
      return n;
    }
  }
}

function fail(variable: string, value: string, why: string): never {
  throw new BourseError('config_invalid', `${variable}=${JSON.stringify(value)} ${why}`);
}
