/**
 * What watch mode watches: every file whose change can change a node key, and
 * nothing the engine writes itself.
 *
 *   modules   the config and every module it loaded (recipes, helpers), except
 *             modules under node_modules and the engine's own code (loaded once by
 *             this process: a change to it needs a restart of watch)
 *   reads     files read while the config loaded and the graph resolved (a config
 *             fragment a recipe reads with readFileSync)
 *   patches   every patch of every recipe in the graph
 *   trees     every local source tree (`source: { path }`), whole
 *
 * Never watched: the build root, the distfiles directory and `.git` directories,
 * so the engine's own writes (outputs, logs, records, caches) cannot trigger it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedGraph } from '../graph/resolve.ts';
import { localTreeOf, patchFilesOf } from '../rebuild/source-inputs.ts';

/** The engine's own directory (engine/): its modules are not reloaded. */
export const ENGINE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WatchSet {
  /** Single files: modules, files read, patches. */
  files: Set<string>;
  /** Directories watched recursively: local source trees. */
  trees: Set<string>;
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Paths watch mode must never react to: the engine writes there. */
export function makeIgnore(never: readonly string[]): (file: string) => boolean {
  return (file) => path.basename(file) === '.git' || never.some((dir) => isInside(file, dir));
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

export async function watchSetOf(
  loaded: { modules: Iterable<string>; reads: Iterable<string> },
  resolved: ResolvedGraph | undefined,
  ignore: (file: string) => boolean,
): Promise<WatchSet> {
  const files = new Set<string>();
  const trees = new Set<string>();
  const keep = (file: string): boolean => !ignore(file) && !file.split(path.sep).includes('node_modules') && !isInside(file, ENGINE_DIR);
  for (const file of loaded.modules) if (keep(file)) files.add(file);
  // Kernel files (/proc/cpuinfo, say) change by themselves and are no input of a key.
  const kernel = ['/proc', '/sys', '/dev'];
  for (const file of loaded.reads) if (keep(file) && !kernel.some((dir) => isInside(file, dir)) && (await isFile(file))) files.add(file);
  for (const node of resolved?.nodes.values() ?? []) {
    for (const patch of patchFilesOf(node.recipe)) files.add(patch);
    const tree = localTreeOf(node.recipe);
    if (tree) trees.add(tree);
  }
  // A file inside a watched tree is watched with it.
  for (const file of files) if ([...trees].some((tree) => isInside(file, tree))) files.delete(file);
  return { files, trees };
}
