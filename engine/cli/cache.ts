/** `rootfs-engine cache stats` and `rootfs-engine cache gc --max-size SIZE`. */
import path from 'node:path';
import { EngineError, isEngineError } from '../errors.ts';
import { LocalCache } from '../cache/local.ts';
import { resolveCacheSettings } from '../cache/settings.ts';
import { openSession, type GlobalOptions } from './session.ts';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `10G`, `512M`, `1.5GiB`, `2000000` (bytes); binary units. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!match) throw new EngineError('USAGE', `"${text}" is not a size. Write a number of bytes or one with a unit: 500M, 10G, 1.5T (K, M, G, T are powers of 1024).`);
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!);
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}iB`;
  }
  return `${bytes} B`;
}

/** The local cache named by the options and the config (which may be absent here). */
async function localCache(options: GlobalOptions): Promise<LocalCache> {
  let config: { cache?: { dir?: string }; file: string } = { file: path.join(process.cwd(), 'rootfs.config.ts') };
  try {
    config = (await openSession(options)).config;
  } catch (error) {
    // The cache does not belong to a project: without a config, use the defaults.
    if (!(isEngineError(error) && error.code === 'CONFIG_NOT_FOUND')) throw error;
  }
  const settings = resolveCacheSettings({ ...options, cache: true }, config);
  return new LocalCache(settings!.dir);
}

export async function cacheStatsCommand(options: GlobalOptions): Promise<number> {
  const cache = await localCache(options);
  const stats = await cache.stats();
  process.stdout.write(`${cache.dir}: ${stats.entries} entr${stats.entries === 1 ? 'y' : 'ies'}, ${stats.blobs} blob${stats.blobs === 1 ? '' : 's'}, ${formatSize(stats.bytes)} (${stats.bytes} bytes)\n`);
  return 0;
}

export async function cacheGcCommand(options: GlobalOptions & { maxSize?: string }): Promise<number> {
  if (options.maxSize === undefined) throw new EngineError('USAGE', 'cache gc needs --max-size SIZE (for example --max-size 10G).');
  const max = parseSize(options.maxSize);
  const cache = await localCache(options);
  const result = await cache.gc(max);
  process.stdout.write(
    `${cache.dir}: evicted ${result.evictedEntries} entr${result.evictedEntries === 1 ? 'y' : 'ies'} (least recently used first) and ${result.removedBlobs} blob${result.removedBlobs === 1 ? '' : 's'}; ` +
      `${formatSize(result.before.bytes)} -> ${formatSize(result.after.bytes)} (limit ${formatSize(max)}), ${result.after.entries} entr${result.after.entries === 1 ? 'y' : 'ies'} left.\n`,
  );
  return 0;
}
