/**
 * Loading the config again after an edit, and learning what it depends on.
 *
 * Node caches ES modules for the life of the process, so a second `import()` of
 * rootfs.config.ts would return the first load, and so would every module it
 * imports. tsx's `tsImport` loads through a fresh namespace each time: every
 * module of the config (recipes, helpers) is evaluated again from the file as it
 * is now. Its `onImport` callback reports each module loaded, which is the import
 * graph as really followed (dynamic imports included), not a guess from folders.
 *
 * Recipes also read files at load time (toybox's config fragment is read with
 * readFileSync and written into its configure phase). Those files are inputs too,
 * so while the config loads and its graph resolves, the `fs` read functions are
 * wrapped to note every path read. Reads by other work of the process in that
 * window are noted too; the watch set filters out the engine's own directories.
 *
 * The fresh namespace shows in module URLs as `?tsx-namespace=<uuid>`, and so in
 * `import.meta.resolve()` results a recipe may put in a command (the image recipe
 * runs `node --import <tsx loader URL>`). That mark changes with every load and is
 * not in the URLs a plain `run` sees, so it is removed from the resolved commands
 * and environments: keys under watch equal keys under `run`.
 *
 * Each load keeps its modules in memory (ES modules cannot be unloaded), a few
 * hundred KiB for our recipes; a watch session of hundreds of reloads is fine.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { loadConfig } from '../config/load.ts';
import type { ResolvedGraph } from '../graph/resolve.ts';
import type { Command, Config } from '../recipe.ts';

export interface FreshLoad<T> {
  /** undefined when loading failed; `error` says why. */
  value?: T;
  error?: unknown;
  /** Modules loaded (absolute paths), also when loading failed part way. */
  modules: Set<string>;
  /** Files read while loading (absolute paths). */
  reads: Set<string>;
}

function pathOfUrl(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(url.replace(/\?.*$/, ''));
  } catch {
    return undefined;
  }
}

type PathLike = fs.PathOrFileDescriptor;

function noteRead(reads: Set<string>, target: PathLike | fs.promises.FileHandle): void {
  if (typeof target === 'string') reads.add(path.resolve(target));
  else if (target instanceof URL) {
    const file = pathOfUrl(target.href);
    if (file) reads.add(file);
  } else if (Buffer.isBuffer(target)) reads.add(path.resolve(target.toString()));
}

/** Run `work` while noting every file read through fs.readFile(Sync) and fs.promises.readFile. */
async function recordingReads<T>(reads: Set<string>, work: () => Promise<T>): Promise<T> {
  const original = { readFileSync: fs.readFileSync, readFile: fs.readFile, promisesReadFile: fs.promises.readFile };
  const wrappedSync = function (this: unknown, file: PathLike, ...rest: unknown[]) {
    noteRead(reads, file);
    return (original.readFileSync as (...args: unknown[]) => unknown).call(this, file, ...rest);
  };
  const wrappedCallback = function (this: unknown, file: PathLike, ...rest: unknown[]) {
    noteRead(reads, file);
    return (original.readFile as (...args: unknown[]) => unknown).call(this, file, ...rest);
  };
  const wrappedPromise = function (this: unknown, file: PathLike | fs.promises.FileHandle, ...rest: unknown[]) {
    noteRead(reads, file);
    return (original.promisesReadFile as (...args: unknown[]) => unknown).call(this, file, ...rest);
  };
  // ES modules importing { readFileSync } from 'node:fs' see the wrappers only after
  // syncBuiltinESMExports(); it is called again to put the originals back.
  Object.assign(fs, { readFileSync: wrappedSync, readFile: wrappedCallback });
  Object.assign(fs.promises, { readFile: wrappedPromise });
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    Object.assign(fs, { readFileSync: original.readFileSync, readFile: original.readFile });
    Object.assign(fs.promises, { readFile: original.promisesReadFile });
    syncBuiltinESMExports();
  }
}

/**
 * Load the config from the files as they are now, then run `then` on it (resolving
 * the graph calls recipe functions, which may read files too), noting modules and
 * reads throughout.
 */
export async function loadFreshConfig<T>(file: string, then: (config: Config) => Promise<T>): Promise<FreshLoad<T>> {
  const modules = new Set<string>([path.resolve(file)]);
  const reads = new Set<string>();
  const importFresh = (url: string): Promise<unknown> =>
    tsImport(url, {
      parentURL: import.meta.url,
      onImport: (loaded: string) => {
        const loadedPath = pathOfUrl(loaded);
        if (loadedPath) modules.add(loadedPath);
      },
    });
  try {
    const value = await recordingReads(reads, async () => then(await loadConfig(file, importFresh)));
    return { value, modules, reads };
  } catch (error) {
    return { error, modules, reads };
  }
}

const LOADER_MARK = /\?tsx-namespace=[0-9a-fA-F-]+/g;

function withoutMark(text: string): string {
  return text.replace(LOADER_MARK, '');
}

/** Remove the fresh loader's namespace marks from every node's commands and environment. */
export function withoutLoaderMarks(resolved: ResolvedGraph): ResolvedGraph {
  for (const node of resolved.nodes.values()) {
    for (const phase of Object.keys(node.phases) as Array<keyof typeof node.phases>) {
      node.phases[phase] = node.phases[phase].map((command): Command => (typeof command === 'string' ? withoutMark(command) : command.map(withoutMark)));
    }
    for (const [name, value] of Object.entries(node.env)) node.env[name] = withoutMark(value);
  }
  return resolved;
}
