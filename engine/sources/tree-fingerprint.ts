/**
 * Content fingerprint of a local source tree (`source: { path }`), with a stat
 * cache so an unchanged tree of 100,000 files is not read again.
 *
 * Each entry contributes its relative path plus: for files, the permission bits
 * and an xxhash of the content; for symlinks, the target; for directories, the
 * permission bits (an empty directory is part of a tree). Only `.git` directories
 * and names in the ignore list are skipped. The cache maps a path to (size, mtime
 * in ns, inode, mode) -> fingerprint; it is written atomically, and a file whose
 * mtime is too close to the moment it was read is not trusted next time (the
 * "racily clean" problem git has: a same-size rewrite within one timestamp tick
 * would otherwise go unnoticed).
 */
import { lstatSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprintBytes, fingerprintFile, fingerprintString, initHashing, type Fingerprint } from '../hash.ts';
import { writeFileAtomic } from './fsutil.ts';

export interface TreeFingerprint {
  hash: Fingerprint;
  /** relpath -> entry fingerprint (`f:<mode>:<xxhash>`, `l:<target>`, `d:<mode>`). */
  files: Record<string, string>;
  /** How many files had to be read (0 for an unchanged tree). */
  readCount: number;
}

export interface TreeFingerprintOptions {
  /** Base names to skip anywhere in the tree (besides `.git`). */
  ignore?: readonly string[];
}

const CACHE_VERSION = 1;
/** Files modified this close to when we read them are re-read next time. */
const RACY_WINDOW_NS = 100_000_000n;
const READ_CONCURRENCY = 16;
const SMALL_FILE = 1n << 20n;

/** [size, mtimeNs, ino, mode, fingerprint, racy(1)|0] - arrays keep a 100k-entry cache small. */
type CacheRow = [string, string, string, number, string, number];
interface CacheFile {
  version: number;
  root: string;
  entries: Record<string, CacheRow>;
}

async function loadCache(cacheFile: string, root: string): Promise<Map<string, CacheRow>> {
  try {
    const data = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as CacheFile;
    if (data.version !== CACHE_VERSION || data.root !== root || typeof data.entries !== 'object') return new Map();
    return new Map(Object.entries(data.entries));
  } catch {
    return new Map();
  }
}

interface Found {
  rel: string;
  kind: 'f' | 'l' | 'd';
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  mode: number;
}

/**
 * Walk with synchronous readdir/lstat. Measured on 100k files (2 cores): 0.65-0.9 s
 * sync against 2.5 s for fast-glob and 2.7-4 s for async fs.lstat (libuv's thread
 * pool round trips dominate). The event loop gets a turn every few thousand entries.
 */
async function walk(root: string, skip: (rel: string, name: string) => boolean): Promise<Found[]> {
  const out: Found[] = [];
  const stack: [string, string][] = [[root, '']];
  let sinceYield = 0;
  while (stack.length > 0) {
    const [dirAbs, dirRel] = stack.pop()!;
    for (const name of readdirSync(dirAbs)) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      if (skip(rel, name)) continue;
      const abs = `${dirAbs}/${name}`;
      const st = lstatSync(abs, { bigint: true });
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : undefined;
      // Sockets, FIFOs and devices in a source tree are not source; they are left out.
      if (kind === undefined) continue;
      out.push({ rel, kind, size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, mode: Number(st.mode & 0o7777n) });
      if (kind === 'd') stack.push([abs, rel]);
      if (++sinceYield >= 5000) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }
  return out;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function fingerprintTree(dir: string, cacheFile: string, opts: TreeFingerprintOptions = {}): Promise<TreeFingerprint> {
  await initHashing();
  const root = path.resolve(dir);
  const cachePath = path.resolve(cacheFile);
  const ignore = new Set(opts.ignore ?? []);
  const skip = (rel: string, name: string) =>
    name === '.git' || ignore.has(name) || path.join(root, rel) === cachePath || path.join(root, rel).startsWith(`${cachePath}.tmp-`);

  const cache = await loadCache(cachePath, root);
  const scanStartNs = BigInt(Date.now()) * 1_000_000n;
  const found = await walk(root, skip);
  const files: Record<string, string> = {};
  const next = new Map<string, CacheRow>();
  let readCount = 0;
  let changed = false;

  const toRead: Found[] = [];
  for (const f of found) {
    if (f.kind === 'd') {
      files[f.rel] = `d:${f.mode.toString(8)}`;
      continue;
    }
    if (f.kind === 'l') {
      // readlink is a cheap syscall, not a content read, so it is not cached.
      continue;
    }
    const row = cache.get(f.rel);
    if (row && row[5] === 0 && row[0] === String(f.size) && row[1] === String(f.mtimeNs) && row[2] === String(f.ino) && row[3] === f.mode) {
      files[f.rel] = `f:${f.mode.toString(8)}:${row[4]}`;
      next.set(f.rel, row);
    } else {
      toRead.push(f);
    }
  }
  await mapLimit(
    found.filter((f) => f.kind === 'l'),
    READ_CONCURRENCY,
    async (f) => {
      files[f.rel] = `l:${await fs.readlink(path.join(root, f.rel))}`;
    },
  );
  let sinceYield = 0;
  await mapLimit(toRead, READ_CONCURRENCY, async (f) => {
    const abs = path.join(root, f.rel);
    // Small files (most of a source tree) are read in one synchronous call: a stream
    // per file costs more than the read itself (100k files: ~10 s -> ~2 s).
    let fp: Fingerprint;
    if (f.size <= SMALL_FILE) {
      fp = fingerprintBytes(readFileSync(abs));
      if (++sinceYield >= 2000) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    } else {
      fp = await fingerprintFile(abs);
    }
    readCount++;
    changed = true;
    files[f.rel] = `f:${f.mode.toString(8)}:${fp}`;
    const racy = f.mtimeNs + RACY_WINDOW_NS >= scanStartNs ? 1 : 0;
    next.set(f.rel, [String(f.size), String(f.mtimeNs), String(f.ino), f.mode, fp, racy]);
  });
  if (next.size !== cache.size) changed = true;

  const rels = Object.keys(files).sort();
  const hash = fingerprintString(rels.map((r) => `${r}\0${files[r]}\n`).join(''));
  if (changed) {
    const sorted: Record<string, CacheRow> = {};
    for (const r of [...next.keys()].sort()) sorted[r] = next.get(r)!;
    const data: CacheFile = { version: CACHE_VERSION, root, entries: sorted };
    await fs.mkdir(path.dirname(cachePath), { recursive: true });
    await writeFileAtomic(cachePath, JSON.stringify(data));
  }
  const ordered: Record<string, string> = {};
  for (const r of rels) ordered[r] = files[r]!;
  return { hash, files: ordered, readCount };
}
