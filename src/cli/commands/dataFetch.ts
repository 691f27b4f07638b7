import { existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { parseIsoUtc } from '../../core/time.js';
import { getCrash } from '../../data/catalog.js';
import type { FetchEvents } from '../../data/fetch/download.js';
import { planFetch, type FetchItem } from '../../data/fetch/plan.js';
import { outputNames, planDir, runFetch } from '../../data/fetch/run.js';
import { fetchedScenario } from '../../data/fetch/scenario.js';
import { parseMirrors, type BinanceMarket } from '../../data/fetch/sources.js';
import { crashScenario } from '../../runner/crashScenario.js';

interface FetchOptions {
  dataDir: string;
  interval: string;
  market?: string;
  symbol?: string;
  from?: string;
  to?: string;
  mirror: string[];
  dryRun?: boolean;
  scenario?: string;
  retries: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Progress on stderr: one bar per file on a terminal, one line per file in a log. */
function progressEvents(dataDir: string): FetchEvents {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  const name = (item: FetchItem): string => item.cachePath.split('/').pop() ?? item.cachePath;
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  return {
    onStart(item, from, total) {
      if (!tty || total === null) return;
      bar?.stop();
      bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${name(item)} {bar} {percentage}% {value}/{total} bytes`, clearOnComplete: true }, cliProgress.Presets.shades_classic);
      bar.start(total, from);
    },
    onBytes(_item, done) {
      bar?.update(done);
    },
    onRetry(item, attempt, max, delayMs, reason) {
      bar?.stop();
      bar = null;
      say(`retry ${attempt}/${max - 1} in ${(delayMs / 1000).toFixed(1)} s: ${name(item)}: ${reason}`);
    },
    onDone(item, o) {
      bar?.stop();
      bar = null;
      const where = o.path !== undefined ? relative(dataDir, o.path) : item.url;
      if (o.status === 'missing') say(`missing (HTTP 404, optional, skipped): ${item.url}`);
      else if (o.status === 'cached') say(`cached   ${where} (${o.bytes} bytes, sha256 ${o.verifiedBy === 'published-sha256' ? 'matches the published one' : o.sha256?.slice(0, 12)})`);
      else {
        const resumed = o.resumedBytes !== undefined ? `, resumed after ${o.resumedBytes} bytes` : '';
        const check = o.verifiedBy === 'published-sha256' ? 'sha256 verified against the published .CHECKSUM' : 'no published checksum; content checked';
        say(`fetched  ${where} (${o.bytes} bytes${resumed}; ${check})`);
      }
    },
  };
}

function dayMs(text: string | undefined, field: string): number | undefined {
  return text === undefined ? undefined : parseIsoUtc(text, { field });
}

export function registerFetchCommand(data: Command): void {
  data
    .command('fetch')
    .description("download a catalog crash's real data (Binance archive klines, USD-M open interest and funding, Deribit DVOL, CBOE VIX), verify it, and write a scenario that runs on it")
    .argument('<crash>', 'crash name from `cascade crashes`, e.g. btc-2025-10-10')
    .option('--data-dir <dir>', 'cache folder for downloads and the joined CSVs', join('data', 'cache'))
    .option('--interval <interval>', 'kline interval (1m, 5m, 15m, 1h, 1d, ...)', '1m')
    .option('--market <market>', "spot or um (USD-M futures); default: the catalog's archive URL")
    .option('--symbol <symbol>', "Binance symbol, e.g. ETHUSDT; default: the catalog's")
    .option('--from <date>', "first day (UTC) instead of the catalog's window start")
    .option('--to <date>', "end day (UTC, exclusive) instead of the catalog's window end")
    .option('--mirror <[source=]url>', 'fetch a source (binance, deribit, deribit-history, cboe) from another host with the same layout; a bare URL for all (repeatable)', collect, [])
    .option('--dry-run', 'print every file and URL the fetch would get, and fetch nothing')
    .option('--scenario <file>', 'where to write the scenario (default: <data-dir>/<crash>/scenario.json)')
    .option('--retries <n>', 'retries per file after a dropped connection or server error (exponential backoff from 0.5 s)', '5')
    .action(async (name: string, opts: FetchOptions) => {
      const crash = getCrash(name);
      if (opts.market !== undefined && opts.market !== 'spot' && opts.market !== 'um') {
        throw new ConfigError(`unknown market '${opts.market}' (spot, um)`, { field: '--market' });
      }
      const retries = Number(opts.retries);
      if (!Number.isInteger(retries) || retries < 0 || retries > 20) throw new ConfigError(`'${opts.retries}' is not a whole number from 0 to 20`, { field: '--retries' });
      const startMs = dayMs(opts.from, '--from');
      const endMs = dayMs(opts.to, '--to');
      const plan = planFetch(crash, {
        origins: parseMirrors(opts.mirror),
        interval: opts.interval,
        ...(opts.market !== undefined ? { market: opts.market as BinanceMarket } : {}),
        ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}),
        ...(startMs !== undefined ? { startMs } : {}),
        ...(endMs !== undefined ? { endMs } : {}),
      });
      const dataDir = resolve(opts.dataDir);
      const scenarioPath = resolve(opts.scenario ?? join(planDir(plan, dataDir), 'scenario.json'));
      if (opts.dryRun) {
        const shown = (p: string): string => relative(process.cwd(), p) || '.';
        for (const item of plan.items) {
          const to = shown(join(dataDir, item.cachePath));
          if (item.checksumUrl !== undefined) process.stdout.write(`${item.kind}\t${item.checksumUrl}\t${to}.CHECKSUM\n`);
          process.stdout.write(`${item.kind}\t${item.url}\t${to}${item.required ? '' : '\t(optional)'}\n`);
        }
        for (const p of plan.paged ?? []) {
          process.stdout.write(`${p.kind}\t${p.firstUrl}\t${shown(join(dataDir, p.cacheDir))}/\t(optional; then pages by time until has_more is false)\n`);
        }
        const names = outputNames(plan);
        const kinds = [...new Set([...plan.items.map((i) => i.kind), ...(plan.paged ?? []).map((p) => p.kind)])];
        for (const k of kinds) process.stdout.write(`joined\t${shown(join(planDir(plan, dataDir), names[k]))}\n`);
        process.stdout.write(`scenario\t${shown(scenarioPath)}\n`);
        const paged = plan.paged?.length ?? 0;
        process.stdout.write(
          `${plan.items.length} files (${plan.items.filter((i) => i.checksumUrl !== undefined).length} with a published sha256)${paged > 0 ? ` and ${paged} paged series` : ''}\n`,
        );
        return;
      }
      const result = await runFetch(plan, { dataDir, retries, retryBaseMs: 500, timeoutMs: 30_000, events: progressEvents(dataDir) });
      const scenario = fetchedScenario(crashScenario(crash.name), plan, result, scenarioPath);
      mkdirSync(dirname(scenarioPath), { recursive: true });
      const existed = existsSync(scenarioPath);
      writeFileSync(`${scenarioPath}.tmp`, `${JSON.stringify(scenario, null, 2)}\n`);
      renameSync(`${scenarioPath}.tmp`, scenarioPath);
      const missing = result.outcomes.filter((o) => o.status === 'missing').length;
      process.stdout.write(
        `${result.bars.rows} bars in ${relative(process.cwd(), result.bars.path)}` +
          `${result.dvol ? `; ${result.dvol.rows} DVOL rows` : ''}${result.vix ? `; ${result.vix.rows} VIX rows` : ''}` +
          `${result.index ? `; ${result.index.rows} Deribit perpetual candles` : ''}${result.optionTrades ? `; ${result.optionTrades.rows} Deribit option trades` : ''}` +
          `${missing > 0 ? `; ${missing} optional files missing (see fetch.json)` : ''}\n` +
          `scenario ${existed ? 'rewritten' : 'written'}: ${relative(process.cwd(), scenarioPath)}\n` +
          `next: cascade run ${relative(process.cwd(), scenarioPath)}\n`,
      );
    });
}
