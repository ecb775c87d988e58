/**
 * Merging a node's staged install into its place's output tree.
 *
 * Files and symlinks belong to exactly one node; directories are shared. Before
 * anything is written, every path of the new manifest is checked against the
 * paths other nodes of the place own, so a conflict changes nothing on disk.
 * Paths the node's previous manifest had and the new one lacks are removed.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { ownedPaths, type Manifest } from './manifest.ts';

/** path -> owning node id, for one output tree. */
export type OwnershipIndex = Map<string, string>;

export function buildOwnershipIndex(records: Iterable<{ id: string; manifest: Manifest }>): OwnershipIndex {
  const index: OwnershipIndex = new Map();
  for (const record of records) {
    for (const owned of ownedPaths(record.manifest)) index.set(owned, record.id);
  }
  return index;
}

export function findConflicts(nodeId: string, manifest: Manifest, index: OwnershipIndex): Array<{ path: string; owner: string }> {
  const conflicts: Array<{ path: string; owner: string }> = [];
  for (const owned of ownedPaths(manifest)) {
    const owner = index.get(owned);
    if (owner !== undefined && owner !== nodeId) conflicts.push({ path: owned, owner });
  }
  return conflicts;
}

export function conflictError(nodeId: string, conflicts: Array<{ path: string; owner: string }>, outDir: string): EngineError {
  const shown = conflicts.slice(0, 10).map((c) => `${c.path} (already installed by ${c.owner})`).join(', ');
  const more = conflicts.length > 10 ? ` and ${conflicts.length - 10} more` : '';
  return new EngineError(
    'MANIFEST_CONFLICT',
    `${nodeId} installs ${conflicts.length === 1 ? 'a path' : 'paths'} that another node already owns in ${outDir}: ${shown}${more}. ` +
      `Two packages may not install the same file: remove the file from one recipe's install phase (or delete it from its staging directory in a final install command), then run again. Nothing was merged.`,
  );
}

export interface MergeOptions {
  nodeId: string;
  stagingDir: string;
  outDir: string;
  manifest: Manifest;
  previous: Manifest | undefined;
  index: OwnershipIndex;
}

export async function mergeIntoOutput(options: MergeOptions): Promise<void> {
  const { nodeId, stagingDir, outDir, manifest, previous, index } = options;
  const conflicts = findConflicts(nodeId, manifest, index);
  if (conflicts.length > 0) throw conflictError(nodeId, conflicts, outDir);

  await fs.mkdir(outDir, { recursive: true });
  const now = new Set(manifest.map((e) => e.path));
  if (previous) await removeDropped(outDir, previous, now);

  for (const entry of manifest) {
    const target = path.join(outDir, entry.path);
    const source = path.join(stagingDir, entry.path);
    if (entry.type === 'dir') {
      await ensureDirectory(target);
      await fs.chmod(target, entry.mode);
      continue;
    }
    // Unlink first: never write through a symlink or a hardlink left in the tree.
    await fs.rm(target, { force: true, recursive: false }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EISDIR' || error.code === 'ERR_FS_EISDIR') await fs.rm(target, { recursive: true, force: true });
      else throw error;
    });
    if (entry.type === 'symlink') {
      await fs.symlink(entry.target ?? '', target);
    } else {
      await fs.copyFile(source, target, fsConstants.COPYFILE_FICLONE);
      await fs.chmod(target, entry.mode);
    }
    index.set(entry.path, nodeId);
  }
  for (const owned of ownedPaths(previous ?? [])) if (!now.has(owned) && index.get(owned) === nodeId) index.delete(owned);
}

async function ensureDirectory(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => undefined);
  if (stat?.isDirectory()) return;
  if (stat) await fs.rm(target, { force: true });
  await fs.mkdir(target, { recursive: true });
}

/** Remove what `previous` installed and `keep` does not list; then empty directories it created. */
export async function removeDropped(outDir: string, previous: Manifest, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of previous) {
    if (entry.type === 'dir' || keep.has(entry.path)) continue;
    await fs.rm(path.join(outDir, entry.path), { force: true });
  }
  const dirs = previous.filter((e) => e.type === 'dir' && !keep.has(e.path)).map((e) => e.path);
  // Deepest first, so a parent is empty by the time it is tried.
  dirs.sort((a, b) => b.length - a.length);
  for (const dir of dirs) await fs.rmdir(path.join(outDir, dir)).catch(() => undefined);
}
