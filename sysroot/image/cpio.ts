/**
 * cpio "newc" (SVR4 without CRC, magic 070701) writer, in TypeScript so that building an
 * initramfs needs neither root nor a particular cpio binary, and the bytes are ours to
 * pin down:
 *
 * - entries in walkTree() order ("." first, then C-locale path order), names without "./";
 * - uid/gid 0 for everything (the kernel's initramfs unpacker chowns to these);
 * - every mtime is the caller's SOURCE_DATE_EPOCH;
 * - inode numbers 1, 2, 3 ... in archive order; nlink 1 for non-directories (hard links in
 *   the tree become independent files), 2 + subdirectories for directories;
 * - dev/rdev of the containing filesystem are 0; rdev is set only for device nodes, which
 *   come from `extraEntries` so /dev/console exists in the archive without mknod on disk;
 * - header+name and data are each padded to 4 bytes; the archive ends with TRAILER!!!
 *   and is not padded further (the kernel and GNU cpio accept it; padding would only add
 *   zeros).
 *
 * gzip: level 9 via node:zlib, whose gzip header has MTIME 0 and no file name; the OS
 * byte is the zlib build's OS_CODE, so it is forced to 3 (Unix) after writing, and the
 * writer checks MTIME really is 0. The deflate stream itself is whatever Node's bundled
 * zlib emits: identical for the same Node build, not promised across Node versions.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zc } from 'node:zlib';
import { checkMtime, typeBits, walkTree, writeAtomically, type DeviceEntry, type TreeEntry } from './walk.ts';

export interface CpioOptions {
  /** Seconds since the epoch for every entry (SOURCE_DATE_EPOCH). */
  mtime: number;
  gzip: boolean;
  /** Device nodes to add without creating them on disk, e.g. CONSOLE_DEVICE. */
  extraEntries?: readonly DeviceEntry[];
}

const READ_CHUNK = 1 << 20;
const MAX_NEWC = 0xffffffff;
const GZIP_OS_UNIX = 3;

interface NewcFields {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  filesize: number;
  rdevmajor: number;
  rdevminor: number;
  name: string;
}

function hex8(n: number, what: string, name: string): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_NEWC) {
    throw new Error(`cpio newc cannot encode ${what}=${n} for "${name}" (32-bit fields)`);
  }
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Header, NUL-terminated name and the padding that aligns the data to 4 bytes. */
export function newcHeader(f: NewcFields): Buffer {
  const nameBytes = Buffer.from(f.name, 'utf8');
  const namesize = nameBytes.length + 1;
  const fields = [
    f.ino, // c_ino
    f.mode, // c_mode
    0, // c_uid
    0, // c_gid
    f.nlink,
    f.mtime,
    f.filesize,
    0, // c_devmajor
    0, // c_devminor
    f.rdevmajor,
    f.rdevminor,
    namesize,
    0, // c_check: unused by newc (only 070702 carries a checksum)
  ];
  const names = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  const head = '070701' + fields.map((v, i) => hex8(v, names[i] ?? '?', f.name)).join('');
  const total = head.length + namesize;
  const buf = Buffer.alloc(total + pad4(total));
  buf.write(head, 0, 'ascii');
  nameBytes.copy(buf, head.length);
  return buf;
}

async function* readExactly(abs: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(abs, 'r');
  try {
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - done));
      const { bytesRead } = await fh.read(buf, 0, buf.length, done);
      if (bytesRead === 0) throw new Error(`${abs} shrank while being archived (expected ${size} bytes)`);
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    const probe = Buffer.alloc(1);
    if ((await fh.read(probe, 0, 1, size)).bytesRead !== 0) throw new Error(`${abs} grew while being archived`);
  } finally {
    await fh.close();
  }
}

/** The archive as a stream of buffers (exported for callers that pipe it elsewhere). */
export async function* cpioNewcStream(entries: readonly TreeEntry[], mtime: number): AsyncGenerator<Buffer> {
  let ino = 0;
  for (const e of entries) {
    ino++;
    const mode = typeBits(e) | e.mode;
    const base = { ino, mode, mtime, name: e.path, rdevmajor: 0, rdevminor: 0 };
    switch (e.type) {
      case 'dir':
        yield newcHeader({ ...base, nlink: e.nlink, filesize: 0 });
        break;
      case 'file': {
        yield newcHeader({ ...base, nlink: 1, filesize: e.size });
        yield* readExactly(e.abs, e.size);
        const p = pad4(e.size);
        if (p) yield Buffer.alloc(p);
        break;
      }
      case 'symlink': {
        // The link target is the entry's data, without a terminating NUL.
        const target = Buffer.from(e.target, 'utf8');
        yield newcHeader({ ...base, nlink: 1, filesize: target.length });
        yield Buffer.concat([target, Buffer.alloc(pad4(target.length))]);
        break;
      }
      case 'char':
      case 'block':
        yield newcHeader({ ...base, nlink: 1, filesize: 0, rdevmajor: e.major, rdevminor: e.minor });
        break;
    }
  }
  yield newcHeader({ ino: 0, mode: 0, nlink: 1, mtime: 0, filesize: 0, rdevmajor: 0, rdevminor: 0, name: 'TRAILER!!!' });
}

/** Writes `root` as a newc cpio archive (gzip'd if asked) to `file`, atomically. */
export async function writeCpioNewc(root: string, file: string, opts: CpioOptions): Promise<void> {
  checkMtime(opts.mtime);
  const entries = await walkTree(root, opts.extraEntries ?? []);
  await writeAtomically(file, async (tmp) => {
    const source = Readable.from(cpioNewcStream(entries, opts.mtime), { objectMode: false });
    if (!opts.gzip) {
      await pipeline(source, createWriteStream(tmp));
      return;
    }
    await pipeline(source, createGzip({ level: zc.Z_BEST_COMPRESSION }), createWriteStream(tmp));
    await fixGzipHeader(tmp);
  });
}

/** Pins the gzip header bytes zlib leaves to the build (OS) and checks MTIME is 0. */
export async function fixGzipHeader(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const head = Buffer.alloc(10);
    await fh.read(head, 0, 10, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) throw new Error(`${file}: zlib did not write a deflate gzip header`);
    if (head[3] !== 0) throw new Error(`${file}: unexpected gzip flags ${head[3]} (a name or comment would make it host-dependent)`);
    if (head.readUInt32LE(4) !== 0) throw new Error(`${file}: gzip MTIME is not 0; output would not be reproducible`);
    if (head[9] !== GZIP_OS_UNIX) await fh.write(Buffer.from([GZIP_OS_UNIX]), 0, 1, 9);
  } finally {
    await fh.close();
  }
}
