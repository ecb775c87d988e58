/**
 * Giving a node its source tree. A local tree is used where it is (read-only by
 * convention; builds are out of tree) unless the recipe asks for a private copy;
 * a tarball is fetched, verified, extracted and patched once into a shared tree
 * under src/ and reused by every place that builds the recipe.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { EngineError } from './errors.ts';
import type { ResolvedNode } from './graph/resolve.ts';
import type { Layout } from './layout.ts';
import { isPathSource } from './recipe.ts';
import { localTreeOf, patchFilesOf } from './rebuild/source-inputs.ts';
import { applyPatches } from './sources/patch.ts';
import { obtainSourceTree } from './sources/tree.ts';

export interface MaterializeOptions {
  layout: Layout;
  objDir: string;
  tmpDir: string;
  distfilesDir: string;
  mirrors: readonly string[];
  offline: boolean;
  allowHttp: boolean;
}

/** Returns the directory the node's phases see as ctx.dirs.src ('' when there is no source). */
export async function materializeSource(node: ResolvedNode, options: MaterializeOptions): Promise<string> {
  const recipe = node.recipe;
  const source = recipe.source;
  if (!source) return '';
  const patches = patchFilesOf(recipe);
  if (isPathSource(source)) {
    const tree = localTreeOf(recipe)!;
    if (!source.privateCopy && patches.length === 0) return tree;
    // A patched local tree must not be patched in place: the user's files stay untouched.
    const copy = path.join(options.objDir, '.src');
    await fs.rm(copy, { recursive: true, force: true });
    await fs.cp(tree, copy, { recursive: true, verbatimSymlinks: true, mode: fsConstants.COPYFILE_FICLONE });
    await applyPatches(copy, patches);
    return copy;
  }
  const shared = await obtainSourceTree(source, patches, {
    srcDir: options.layout.srcDir,
    distfilesDir: options.distfilesDir,
    tmpDir: options.tmpDir,
    mirrors: options.mirrors,
    offline: options.offline,
    allowHttp: options.allowHttp,
    label: `${recipe.name} ${recipe.version} (${recipe.file})`,
  });
  if (!source.privateCopy) return shared;
  const copy = path.join(options.objDir, '.src');
  await fs.rm(copy, { recursive: true, force: true });
  await fs.cp(shared, copy, { recursive: true, verbatimSymlinks: true, mode: fsConstants.COPYFILE_FICLONE });
  await makeWritable(copy);
  return copy;
}

async function makeWritable(dir: string): Promise<void> {
  const stat = await fs.lstat(dir);
  if (stat.isSymbolicLink()) return;
  await fs.chmod(dir, stat.mode | 0o200);
  if (stat.isDirectory()) for (const name of await fs.readdir(dir)) await makeWritable(path.join(dir, name));
}

export function sourceUnavailable(recipe: string, detail: string): EngineError {
  return new EngineError('SOURCE_MISSING', `${recipe}: ${detail}`);
}
