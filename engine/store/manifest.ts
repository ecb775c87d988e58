/**
 * Manifests: the exact list of what a node installed, taken from its staging
 * directory after the install phase.
 *
 * Format (stored inside the node's state record, see state.ts): an array sorted by
 * path, one entry per directory, file or symlink, relative to the staging root:
 *   { path, type: 'dir'|'file'|'symlink', mode, size?, hash?, target? }
 * mode is the permission bits only; owners and timestamps are not recorded because
 * they do not belong to the output (images set them). The output hash of a node is
 * the fingerprint of this array, so two installs with byte-identical files, modes
 * and links have equal output hashes (early cutoff relies on that).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { canonicalJson, fingerprintFile, fingerprintString, type Fingerprint } from '../hash.ts';

export type ManifestEntryType = 'dir' | 'file' | 'symlink';

export interface ManifestEntry {
  path: string;
  type: ManifestEntryType;
  mode: number;
  size?: number;
  hash?: Fingerprint;
  target?: string;
}

export type Manifest = ManifestEntry[];

export type OutputHash = Fingerprint & { readonly __output: true };

/** Walk a staging directory. Anything but directories, regular files and symlinks is refused. */
export async function scanManifest(root: string): Promise<Manifest> {
  const entries: Manifest = [];
  async function walk(rel: string): Promise<void> {
    const dir = path.join(root, rel);
    const names = (await fs.readdir(dir)).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, relPath);
      const stat = await fs.lstat(abs);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries.push({ path: relPath, type: 'dir', mode });
        await walk(relPath);
      } else if (stat.isSymbolicLink()) {
        entries.push({ path: relPath, type: 'symlink', mode: 0o777, target: await fs.readlink(abs) });
      } else if (stat.isFile()) {
        entries.push({ path: relPath, type: 'file', mode, size: stat.size, hash: await fingerprintFile(abs) });
      } else {
        throw new Error(`${relPath} is neither a file, a directory nor a symlink (device nodes and FIFOs cannot be installed)`);
      }
    }
  }
  try {
    await walk('');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries;
}

export function outputHashOf(manifest: Manifest): OutputHash {
  return fingerprintString(canonicalJson(manifest)) as OutputHash;
}

/** Paths a node owns exclusively: files and symlinks. Directories are shared. */
export function ownedPaths(manifest: Manifest): string[] {
  return manifest.filter((entry) => entry.type !== 'dir').map((entry) => entry.path);
}
