/**
 * Giving a node its source tree. A local tree is used where it is (read-only by
 * convention; builds are out of tree) unless the recipe asks for a private copy;
 * a tarball is fetched, verified, extracted and patched once into a shared tree
 * under src/ and reused by every place that builds the recipe.
 */
import path from 'node:path';
import type { ResolvedNode } from './graph/resolve.ts';
import type { Layout } from './layout.ts';
import { isPathSource } from './recipe.ts';
import { localTreeOf, patchFilesOf } from './rebuild/source-inputs.ts';
import { applyPatches } from './sources/patch.ts';
import { obtainSourceTree } from './sources/tree.ts';
import { privateCopy } from './sources/prepare.ts';

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
    await privateCopy(tree, copy);
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
  await privateCopy(shared, copy);
  return copy;
}


/**
 * The source dir of a build that is already in its object dir (`check` of a fresh
 * node): the private copy that build made and may have built in, never a new one;
 * a shared tree as materializeSource finds it (extracted once, so no new work).
 */
export async function existingSourceDir(node: ResolvedNode, objDir: string, options: Omit<MaterializeOptions, 'objDir'>): Promise<string> {
  const source = node.recipe.source;
  if (!source) return '';
  const copied = isPathSource(source) ? source.privateCopy === true || patchFilesOf(node.recipe).length > 0 : source.privateCopy === true;
  if (copied) return path.join(objDir, '.src');
  return materializeSource(node, { ...options, objDir });
}
