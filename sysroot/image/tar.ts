/**
 * Reproducible tar (ustar, with pax extended headers only when a name does not fit).
 *
 * Headers are encoded with the `tar` package's Header and Pax classes, but the archive is
 * assembled here rather than by tar.c(): its `portable` mode rewrites permissions
 * (mode | 0600 & ~022 turns /tmp's 1777 into 1755) and drops directory mtimes, and
 * without it the entries carry the builder's uid, user name, atime and ctime.
 *
 * - entries in walkTree() order (C-locale path order), names relative without "./",
 *   directories with a trailing "/"; the root directory itself is not an entry (container
 *   layers conventionally omit it, and extracting into an existing directory keeps its mode);
 * - uid/gid 0, uname/gname "root", every mtime = SOURCE_DATE_EPOCH;
 * - no atime/ctime anywhere; a pax header, when needed, holds only path/linkpath/size;
 * - hard links in the tree are written as independent files (as in the cpio and ext4
 *   images), device nodes only from `extraEntries`;
 * - the end is two zero blocks, without padding to a 10 KiB record.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Header, Pax } from 'tar';
import type { HeaderData } from 'tar';
import { checkMtime, walkTree, writeAtomically, type DeviceEntry, type TreeEntry } from './walk.ts';

export interface TarOptions {
  /** Seconds since the epoch for every entry (SOURCE_DATE_EPOCH). */
  mtime: number;
  /** Device nodes to add without creating them on disk. */
  extraEntries?: readonly DeviceEntry[];
}

const BLOCK = 512;
const READ_CHUNK = 1 << 20;

function pad512(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

function headerData(e: TreeEntry, mtime: Date): HeaderData {
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime, mode: e.mode };
  switch (e.type) {
    case 'dir':
      return { ...common, path: `${e.path}/`, type: 'Directory', size: 0 };
    case 'file':
      return { ...common, path: e.path, type: 'File', size: e.size };
    case 'symlink':
      return { ...common, path: e.path, type: 'SymbolicLink', size: 0, linkpath: e.target };
    case 'char':
    case 'block':
      return {
        ...common,
        path: e.path,
        type: e.type === 'char' ? 'CharacterDevice' : 'BlockDevice',
        size: 0,
        devmaj: e.major,
        devmin: e.minor,
      };
  }
}

function encodeHeader(data: HeaderData): Buffer[] {
  const header = new Header(data);
  const block = Buffer.alloc(BLOCK);
  const needPax = header.encode(block, 0);
  if (!needPax) return [block];
  // Only what ustar could not hold, so no atime/ctime/uid creeps in.
  const pax = new Pax({
    path: data.path,
    ...(data.linkpath ? { linkpath: data.linkpath } : {}),
    ...((data.size ?? 0) > 0o77777777777 ? { size: data.size } : {}),
    mtime: data.mtime,
  }).encode();
  return [pax, block];
}

export async function* tarStream(entries: readonly TreeEntry[], mtimeSeconds: number): AsyncGenerator<Buffer> {
  const mtime = new Date(mtimeSeconds * 1000);
  for (const e of entries) {
    if (e.path === '.') continue;
    yield* encodeHeader(headerData(e, mtime));
    if (e.type !== 'file' || e.size === 0) continue;
    const fh = await open(e.abs, 'r');
    try {
      let done = 0;
      while (done < e.size) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, e.size - done));
        const { bytesRead } = await fh.read(buf, 0, buf.length, done);
        if (bytesRead === 0) throw new Error(`${e.abs} shrank while being archived (expected ${e.size} bytes)`);
        done += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
      if ((await fh.read(Buffer.alloc(1), 0, 1, e.size)).bytesRead !== 0) throw new Error(`${e.abs} grew while being archived`);
    } finally {
      await fh.close();
    }
    const p = pad512(e.size);
    if (p) yield Buffer.alloc(p);
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** The archive of `root` as a stream of chunks (for writers that transform it, e.g. OCI layers). */
export async function tarChunks(root: string, opts: TarOptions): Promise<AsyncGenerator<Buffer>> {
  checkMtime(opts.mtime);
  return tarStream(await walkTree(root, opts.extraEntries ?? []), opts.mtime);
}

/** Writes `root` as a reproducible tar archive to `file`, atomically. */
export async function writeTar(root: string, file: string, opts: TarOptions): Promise<void> {
  checkMtime(opts.mtime);
  const entries = await walkTree(root, opts.extraEntries ?? []);
  await writeAtomically(file, async (tmp) => {
    await pipeline(Readable.from(tarStream(entries, opts.mtime)), createWriteStream(tmp));
  });
}
