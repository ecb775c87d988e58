/**
 * What a set of nodes installed into a place's output tree, read from their
 * records: for tools that must take exactly those files and no others (an image
 * made of its packages, not of whatever else was built into the same tree). The
 * dependencies of each node within the place are followed, since a package's
 * files may come from a library it depends on.
 */
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { splitNodeId, type NodeId } from '../graph/node-id.ts';
import { StateStore } from './state.ts';

/** Paths (relative to the place's out tree) installed by `recipes` and their dependencies in `place`. */
export async function installedPaths(buildRoot: string, place: string, recipes: readonly string[]): Promise<Set<string>> {
  const state = new StateStore(path.join(path.resolve(buildRoot), 'state'));
  const paths = new Set<string>();
  const seen = new Set<string>();
  const queue = [...recipes];
  while (queue.length > 0) {
    const recipe = queue.pop()!;
    if (seen.has(recipe)) continue;
    seen.add(recipe);
    const record = await state.read(place, recipe);
    if (!record) {
      throw new EngineError('NOT_BUILT', `${recipe}@${place} has no build record in ${buildRoot}: build it first (rootfs-engine run ${recipe} --target ${place}).`);
    }
    for (const entry of record.manifest) paths.add(entry.path);
    for (const input of Object.keys(record.inputs)) {
      if (!input.startsWith('dep.')) continue;
      const dep = splitNodeId(input.slice('dep.'.length) as NodeId);
      if (dep.place === place) queue.push(dep.recipe);
    }
  }
  return paths;
}
