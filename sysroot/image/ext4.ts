/**
 * ext4 image from a directory, without root and without loop devices: `mke2fs -d` fills
 * the filesystem from the tree, then one `debugfs -w` script fixes what mke2fs copies from
 * the building host.
 *
 * Format choices and why:
 * - `MKE2FS_CONFIG` points at a missing file, so mke2fs uses its compiled-in profile and
 *   the host's /etc/mke2fs.conf cannot change the features; `-b 4096 -I 256` pin what the
 *   "small"/"floppy" size types would otherwise vary. `-m 0`: the headroom is computed
 *   explicitly, a 5% root reserve would only hide it.
 * - mke2fs -d copies uid/gid and atime/mtime/ctime from the files (ctime cannot be set
 *   from user space), so debugfs sets uid 0, gid 0 and all four timestamps of every inode
 *   to SOURCE_DATE_EPOCH. That makes ownership root even when the builder is not root
 *   (`-E root_owner` only covers "/"), without touching or copying the source tree.
 * - E2FSPROGS_FAKE_TIME = SOURCE_DATE_EPOCH for the superblock, lost+found and journal
 *   times; `-U` and `-E hash_seed` are derived from the content (xxhash64 of the listing
 *   and file data) unless given, so the same tree gives the same bytes and different trees
 *   different UUIDs.
 * - Device nodes (extraEntries, e.g. /dev/console) are created by debugfs `mknod`, which
 *   needs no privileges either.
 * - Hard links: mke2fs -d would keep them as shared inodes, so a tree that has any is
 *   copied first (copies break them), matching the cpio and tar writers.
 * - Size: given, or the content's 4 KiB-block footprint + 30% + 16 MiB (journal, metadata
 *   and some free space); inodes are raised above mke2fs's default only when the tree
 *   needs it.
 *
 * Measured with e2fsprogs 1.47.0: two builds of the same tree from different copies
 * (different creation order, on-disk mtimes, owners, hard links) at different wall-clock
 * times are byte-identical; mke2fs -d does not follow readdir() order in this version.
 * Across e2fsprogs versions the bytes may differ (allocation and defaults change).
 *
 * Limitation: debugfs's command parser has no escape for '"', so paths containing '"'
 * or a newline are rejected.
 */
import { constants } from 'node:fs';
import { cp, stat as fsStat, writeFile, lstat, rm, open } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import xxhash from 'xxhash-wasm';
import { checkMtime, tempSibling, typeBits, walkTree, writeAtomically, type DeviceEntry, type TreeEntry } from './walk.ts';

export interface Ext4Options {
  /** Seconds since the epoch for every inode and the superblock (SOURCE_DATE_EPOCH). */
  mtime: number;
  /** Image size; computed from the content when omitted. */
  sizeMiB?: number;
  /** Device nodes to create in the image, e.g. CONSOLE_DEVICE. */
  extraEntries?: readonly DeviceEntry[];
  /** Filesystem UUID; derived from the content when omitted. */
  uuid?: string;
  /** Volume label (at most 16 bytes). */
  label?: string;
}

const BLOCK = 4096;
const MiB = 1024 * 1024;
const FAST_SYMLINK_MAX = 59;
const DEFAULT_BYTES_PER_INODE = 16384;

/** Locates an e2fsprogs tool: /usr/sbin is often missing from a non-root PATH. */
export async function findE2fsTool(name: 'mke2fs' | 'debugfs' | 'e2fsck'): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      const st = await fsStat(candidate);
      if (st.isFile() && st.mode & 0o111) return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} not found (PATH, /usr/sbin, /sbin): install e2fsprogs`);
}

/** Bytes the tree occupies in 4 KiB blocks (data, directories, slow symlinks). */
export function contentFootprint(entries: readonly TreeEntry[]): number {
  let bytes = 0;
  for (const e of entries) {
    if (e.type === 'file') bytes += Math.ceil(e.size / BLOCK) * BLOCK;
    else if (e.type === 'dir') bytes += BLOCK;
    else if (e.type === 'symlink' && Buffer.byteLength(e.target) > FAST_SYMLINK_MAX) bytes += BLOCK;
  }
  return bytes;
}

export function defaultExt4SizeMiB(entries: readonly TreeEntry[]): number {
  return Math.ceil((contentFootprint(entries) * 1.3) / MiB) + 16;
}

function uuidFrom(a: bigint, b: bigint): string {
  const hex = a.toString(16).padStart(16, '0') + b.toString(16).padStart(16, '0');
  // RFC 9562 version 8 ("custom") with the RFC variant: a name-derived UUID that says so.
  const chars = hex.split('');
  chars[12] = '8';
  chars[16] = ((parseInt(chars[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = chars.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Two UUIDs (filesystem, directory hash seed) from the listing and the file contents. */
export async function contentUuids(entries: readonly TreeEntry[]): Promise<{ uuid: string; hashSeed: string }> {
  const { create64 } = await xxhash();
  const hashers = [1n, 2n, 3n, 4n].map((seed) => create64(seed));
  const update = (data: string | Uint8Array): void => {
    for (const h of hashers) h.update(data);
  };
  for (const e of entries) {
    const detail =
      e.type === 'file' ? e.size : e.type === 'symlink' ? e.target : e.type === 'dir' ? '' : `${e.major}:${e.minor}`;
    update(`${e.type}\0${e.mode.toString(8)}\0${e.path}\0${detail}\0`);
    if (e.type !== 'file' || e.size === 0) continue;
    const fh = await open(e.abs, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        update(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }
  const [a, b, c, d] = hashers.map((h) => h.digest()) as [bigint, bigint, bigint, bigint];
  return { uuid: uuidFrom(a, b), hashSeed: uuidFrom(c, d) };
}

function quote(p: string): string {
  if (/["\n\r]/.test(p)) throw new Error(`ext4 image: debugfs cannot address a path containing '"' or a newline: ${JSON.stringify(p)}`);
  return `"${p}"`;
}

function abs(rel: string): string {
  return rel === '.' ? '/' : `/${rel}`;
}

/** The debugfs script: create what is not on disk, then pin owners and times of everything. */
async function debugfsScript(root: string, entries: readonly TreeEntry[], mtime: number): Promise<string> {
  const lines: string[] = [];
  for (const e of entries) {
    const isImplied = e.type === 'dir' && e.source === 'implied';
    const isDevice = e.type === 'char' || e.type === 'block';
    if (!isImplied && !isDevice) continue;
    if (isDevice) {
      // An extra entry replaces whatever the tree had at that path.
      const onDisk = await lstat(path.join(root, e.path)).catch(() => undefined);
      if (onDisk) lines.push(`rm ${quote(abs(e.path))}`);
      // mknod takes the name literally (a "/" in it becomes part of the entry name), so
      // it must run in the parent directory.
      lines.push(`cd ${quote(abs(path.posix.dirname(e.path)))}`);
      lines.push(`mknod ${quote(path.posix.basename(e.path))} ${e.type === 'char' ? 'c' : 'b'} ${e.major} ${e.minor}`);
      lines.push('cd /');
    } else {
      lines.push(`mkdir ${quote(abs(e.path))}`);
    }
    lines.push(`sif ${quote(abs(e.path))} mode 0${(typeBits(e) | e.mode).toString(8)}`);
  }
  for (const e of entries) {
    const p = quote(abs(e.path));
    lines.push(`sif ${p} uid 0`, `sif ${p} gid 0`);
    for (const field of ['atime', 'mtime', 'ctime', 'crtime']) lines.push(`sif ${p} ${field} @${mtime}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes `root` as an ext4 image to `file`, atomically. */
export async function writeExt4(root: string, file: string, opts: Ext4Options): Promise<void> {
  checkMtime(opts.mtime);
  const [mke2fs, debugfs] = await Promise.all([findE2fsTool('mke2fs'), findE2fsTool('debugfs')]);
  const entries = await walkTree(root, opts.extraEntries ?? []);
  const sizeMiB = opts.sizeMiB ?? defaultExt4SizeMiB(entries);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 2) throw new Error(`ext4 image size must be a whole number of MiB >= 2, got ${sizeMiB}`);
  const ids = opts.uuid ? { uuid: opts.uuid, hashSeed: opts.uuid } : await contentUuids(entries);
  const env = {
    E2FSPROGS_FAKE_TIME: String(opts.mtime),
    MKE2FS_CONFIG: '/nonexistent/rootfs-engine-mke2fs.conf',
    // debugfs failures are recognised from stderr: keep messages in one language.
    LC_ALL: 'C',
  };
  const inodesNeeded = Math.ceil(entries.length * 1.3) + 64;
  const inodeArgs = inodesNeeded > (sizeMiB * MiB) / DEFAULT_BYTES_PER_INODE ? ['-N', String(inodesNeeded)] : [];
  const script = await debugfsScript(root, entries, opts.mtime);

  // mke2fs -d keeps hard links as shared inodes; the other formats write independent
  // files, so a tree with hard links is first copied (which breaks them): the same tree
  // gives the same image however it was produced.
  const hasHardlinks = entries.some((e) => e.type === 'file' && e.links > 1);
  const source = hasHardlinks ? tempSibling(`${file}.tree`) : root;
  const scriptFile = tempSibling(`${file}.debugfs`);
  try {
    if (hasHardlinks) await cp(root, source, { recursive: true, verbatimSymlinks: true, mode: constants.COPYFILE_FICLONE });
    await writeFile(scriptFile, script);
    await writeAtomically(file, async (tmp) => {
      const mk = await execa(
        mke2fs,
        [
          '-q', '-F', '-t', 'ext4', '-b', String(BLOCK), '-I', '256', '-m', '0',
          ...inodeArgs,
          '-L', opts.label ?? 'rootfs',
          '-U', ids.uuid,
          '-E', `root_owner=0:0,hash_seed=${ids.hashSeed},nodiscard`,
          '-d', source,
          tmp, `${sizeMiB}M`,
        ],
        { env, reject: false, all: true },
      );
      if (mk.exitCode !== 0) throw new Error(`mke2fs failed (exit ${mk.exitCode}) for ${root} at ${sizeMiB} MiB:\n${mk.all}`);
      const dbg = await execa(debugfs, ['-w', '-f', scriptFile, tmp], { env, reject: false });
      // debugfs exits 0 even when a command fails; failures are the stderr lines besides its banner.
      const errors = dbg.stderr.split('\n').filter((l) => l.trim() && !/^debugfs \d/.test(l));
      if (dbg.exitCode !== 0 || errors.length) throw new Error(`debugfs fix-up of ${file} failed:\n${errors.join('\n') || dbg.stderr}`);
    });
  } finally {
    await rm(scriptFile, { force: true });
    if (hasHardlinks) await rm(source, { recursive: true, force: true });
  }
}
