/**
 * Where the artifact cache is and whether it is used: command-line options over
 * the config's `cache` field over the defaults (on, in the user's cache directory,
 * no remote).
 */
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import type { CacheSettings } from '../recipe.ts';

export interface CacheOptions {
  /** false with --no-cache. */
  cache?: boolean;
  cacheDir?: string;
  cacheUrl?: string;
  cacheReadOnly?: boolean;
}

export interface ResolvedCacheSettings {
  dir: string;
  url: string | undefined;
  readOnly: boolean;
}

/** `$XDG_CACHE_HOME/rootfs-engine/cache`, or `~/.cache/rootfs-engine/cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME']) ? env['XDG_CACHE_HOME'] : path.join(os.homedir(), '.cache');
  return path.join(base, 'rootfs-engine', 'cache');
}

/** undefined when the cache is off (--no-cache). */
export function resolveCacheSettings(
  options: CacheOptions,
  config: { cache?: CacheSettings; file: string },
  cwd = process.cwd(),
): ResolvedCacheSettings | undefined {
  if (options.cache === false) return undefined;
  const fromConfig = config.cache ?? {};
  const dir = options.cacheDir
    ? path.resolve(cwd, options.cacheDir)
    : fromConfig.dir
      ? path.resolve(path.dirname(config.file), fromConfig.dir)
      : defaultCacheDir();
  const url = options.cacheUrl ?? fromConfig.url;
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new EngineError('USAGE', `The remote cache URL "${url}" is not an http:// or https:// URL. Give one like https://cache.example.org/rootfs (the server must answer GET and PUT under /ac/ and /cas/).`);
    }
  }
  return { dir, url, readOnly: options.cacheReadOnly === true || fromConfig.readOnly === true };
}
