import { readFileSync } from 'node:fs';
import { CONFIG_TABLE, SECRET_VARIABLES, hasCode, loadConfig, type Config } from '../core/index.js';
import { feedCommand } from './feed-command.js';
import { migrateCommand } from './migrate-command.js';
import { secCommand } from './sec-command.js';
import { quarantineCommand, streamsCommand } from './nats-commands.js';
import { profileCommand } from './profile-command.js';
import { startServer } from './supervisor.js';

const USAGE = `Usage: bourse <command>

Commands:
  serve     Start the server (gateways, shards, ingest) with configuration from the environment.
  feed simulate [--rate N] [--profile steady|open|news] [--seed N] [--duration S]
            Run the market simulator as its own process, publishing into JetStream (needs NATS_URL).
  sec sync --from-file PATH... | --from-edgar [--user-agent UA] [--submissions all|none|CIKs] [--limit N]
            Publish normalised SEC company events to JetStream (needs NATS_URL).
  streams ensure
            Create or update the JetStream streams MARKET and QUARANTINE (needs NATS_URL).
  quarantine list [--after ID] [--limit N] | show ID | replay ID | purge ID|--all
            Inspect, replay or drop quarantined poison pills (needs NATS_URL).
  profile --thread NAME [--seconds N] --out FILE.html|FILE.cpuprofile|FILE.heapsnapshot [--url URL] [--token T]
            Profile one thread of a running server (needs BOURSE_ADMIN_TOKEN there) into a flamegraph page or profile.
  migrate up | down [--steps N] | status
            Apply, revert or list database migrations (DATABASE_URL, else PGlite in DATA_DIR).
  config    Print the effective configuration (after validation) as JSON.
  env       List the environment variables the server reads, with defaults.
  version   Print the version.
  help      Show this help.

Configuration comes from environment variables; see \`bourse env\` or the README.`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'feed':
      return feedCommand(readConfig(), rest, process.stdout, process.stderr);
    case 'sec':
      return secCommand(readConfig(), rest, process.stdout, process.stderr);
    case 'streams':
      return streamsCommand(readConfig(), rest, process.stdout);
    case 'quarantine':
      return quarantineCommand(readConfig(), rest, process.stdout);
    case 'profile':
      return profileCommand(readConfig(), rest, process.stdout, process.stderr);
    case 'migrate':
      return migrateCommand(readConfig(), rest, process.stdout, process.stderr);
    case 'config':
      process.stdout.write(JSON.stringify(redacted(readConfig()), null, 2) + '\n');
      return 0;
    case 'env':
      for (const e of CONFIG_TABLE) process.stdout.write(`${e.env.padEnd(24)} ${String(e.default(2) ?? '(unset)').padEnd(12)} ${e.doc}\n`);
      return 0;
    case 'version':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      process.stderr.write(`bourse: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

/** Reads and validates configuration; a bad variable ends the process with exit code 2 and its name. */
function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (hasCode(err, 'config_invalid')) {
      process.stderr.write(`bourse: config_invalid: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function serve(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write(`bourse serve takes no arguments (configure with environment variables; see \`bourse env\`)\n`);
    return 2;
  }
  const config = readConfig();
  const server = await startServer(config);
  process.stdout.write(`bourse ${version()} listening on http://${config.host}:${server.port} (stream: ws://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${server.port}/v1/stream)\n`);
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        server.log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      signalled = true;
      server.log.info({ signal }, 'signal received: graceful shutdown');
      server.stop().then(
        () => resolve(0),
        (err) => {
          server.log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function redacted(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config, feedSpeed: Number.isFinite(config.feedSpeed) ? config.feedSpeed : 'max' };
  for (const k of SECRET_VARIABLES) if (out[k] !== undefined) out[k] = '(redacted)';
  return out;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bourse: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
