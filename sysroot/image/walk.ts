/**
 * The tree walk every image writer shares, so that cpio, tar and ext4 agree on what a
 * root filesystem contains and in which order.
 *
 * - Paths are relative, '/'-separated, without a leading "./"; the root is ".".
 * - Order: "." first, then the byte order of the UTF-8 path (what `find . | LC_ALL=C sort`
 *   gives), so a parent always precedes its children and the order never depends on
 *   readdir() or on the locale.
 * - Only directories, regular files and symlinks are read from disk; device nodes come
 *   from `extraEntries`, because creating them on disk needs root and building images
 *   must not. Sockets, FIFOs and devices found on disk are an error rather than being
 *   silently dropped.
 * - Hard links are not kept: each path is its own file (nlink 1), so the image does not
 *   depend on how the tree was copied (a reflink copy and a hardlinked install give the
 *   same image). `links` (st_nlink) is recorded only so the ext4 writer knows to break them.
 */
import { lstat, readdir, readlink, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface DeviceEntry {
  path: string;
  type: 'char' | 'block';
  major: number;
  minor: number;
  /** Permission bits only (e.g. 0o600). */
  mode: number;
}

export type TreeEntry =
  | { path: string; type: 'dir'; mode: number; nlink: number; source: 'tree' | 'implied' }
  | { path: string; type: 'file'; mode: number; size: number; abs: string; /** st_nlink on disk */ links: number }
  | { path: string; type: 'symlink'; mode: number; target: string }
  | (DeviceEntry & { source?: 'extra' });

/** The console the kernel opens for init before any /dev is mounted. */
export const CONSOLE_DEVICE: DeviceEntry = { path: 'dev/console', type: 'char', major: 5, minor: 1, mode: 0o600 };

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export function typeBits(e: TreeEntry): number {
  switch (e.type) {
    case 'dir':
      return S_IFDIR;
    case 'file':
      return S_IFREG;
    case 'symlink':
      return S_IFLNK;
    case 'char':
      return S_IFCHR;
    case 'block':
      return S_IFBLK;
  }
}

/** C-locale (byte) order of UTF-8 paths, with "." before everything. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '.') return -1;
  if (b === '.') return 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function normalizeRel(p: string): string {
  const n = path.posix.normalize(p.replace(/^\/+/, ''));
  if (n === '.' || n === '' || n.startsWith('../') || n === '..') {
    throw new Error(`image entry path "${p}" must name something inside the root`);
  }
  return n.replace(/\/+$/, '');
}

/** Checks an epoch-seconds timestamp fits every format we write (cpio newc has 32 bits). */
export function checkMtime(mtime: number): void {
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) {
    throw new Error(`image mtime must be an integer number of seconds in [0, 2^32), got ${mtime}`);
  }
}

/**
 * Every entry of `root` (plus `extra` device nodes, which replace a same-named entry on
 * disk and imply missing parent directories with mode 0755), in archive order.
 */
export async function walkTree(root: string, extra: readonly DeviceEntry[] = []): Promise<TreeEntry[]> {
  const rootStat = await lstat(root);
  if (!rootStat.isDirectory()) throw new Error(`image root ${root} is not a directory`);
  const byPath = new Map<string, TreeEntry>();
  byPath.set('.', { path: '.', type: 'dir', mode: rootStat.mode & 0o7777, nlink: 2, source: 'tree' });

  const walk = async (rel: string): Promise<void> => {
    const absDir = rel === '.' ? root : path.join(root, rel);
    const names = await readdir(absDir);
    for (const name of names) {
      const childRel = rel === '.' ? name : `${rel}/${name}`;
      const abs = path.join(absDir, name);
      const st = await lstat(abs);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        byPath.set(childRel, { path: childRel, type: 'dir', mode, nlink: 2, source: 'tree' });
        await walk(childRel);
      } else if (st.isFile()) {
        byPath.set(childRel, { path: childRel, type: 'file', mode, size: st.size, abs, links: st.nlink });
      } else if (st.isSymbolicLink()) {
        byPath.set(childRel, { path: childRel, type: 'symlink', mode: 0o777, target: await readlink(abs) });
      } else {
        throw new Error(
          `${abs}: only directories, regular files and symlinks can go into an image from disk; ` +
            'declare device nodes as extra entries instead',
        );
      }
    }
  };
  await walk('.');

  for (const dev of extra) {
    const rel = normalizeRel(dev.path);
    const existing = byPath.get(rel);
    if (existing?.type === 'dir') throw new Error(`extra entry ${rel} would replace a directory of the tree`);
    let parent = path.posix.dirname(rel);
    const missing: string[] = [];
    while (parent !== '.') {
      const p = byPath.get(parent);
      if (p && p.type !== 'dir') throw new Error(`extra entry ${rel}: ${parent} is not a directory in the tree`);
      if (p) break;
      missing.push(parent);
      parent = path.posix.dirname(parent);
    }
    for (const m of missing) byPath.set(m, { path: m, type: 'dir', mode: 0o755, nlink: 2, source: 'implied' });
    byPath.set(rel, { ...dev, path: rel, mode: dev.mode & 0o7777, source: 'extra' });
  }

  // Directory link counts follow the classic rule (2 + subdirectories) so they are a
  // function of the tree alone, not of the filesystem the tree lives on.
  for (const e of byPath.values()) {
    if (e.type !== 'dir' || e.path === '.') continue;
    const parent = byPath.get(path.posix.dirname(e.path));
    if (parent?.type === 'dir') parent.nlink++;
  }

  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}

/** A sibling temporary name for `file`, so the final rename stays on one filesystem. */
export function tempSibling(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/**
 * Runs `write` against a temporary sibling of `file` and renames it into place, so a
 * crash or an error never leaves a truncated image under the final name.
 */
export async function writeAtomically(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempSibling(file);
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
