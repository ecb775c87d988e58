/**
 * The local artifact cache: a directory shared by any number of build roots and
 * processes, laid out like Bazel's disk cache:
 *
 *   <dir>/ac/<ab>/<ac-name>.json   action entries (entry.ts), by AC name
 *   <dir>/cas/<ab>/<sha256>        file contents, by SHA-256
 *   <dir>/tmp/                     files being written (renamed into place)
 *
 * Every write goes to tmp/ first and is renamed into place, so a reader sees a
 * whole file or none, and two writers of the same blob or entry both succeed
 * (same name, same bytes). Blobs are written before the entry that names them.
 * The mtime of an entry is its last use (touched on every hit); `gc` evicts the
 * least recently used entries and then the blobs no entry names any more.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { initHashing, type Sha256 } from '../hash.ts';
import { blobsOf, parseEntry, type CacheEntry } from './entry.ts';
import type { NodeKey } from '../store/state.ts';

/** Temp files older than this are left-overs of a crashed writer (gc removes them). */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface CacheStats {
  entries: number;
  blobs: number;
  /** Bytes of entries and blobs on disk. */
  bytes: number;
}

export interface GcResult {
  before: CacheStats;
  after: CacheStats;
  evictedEntries: number;
  removedBlobs: number;
}

export class LocalCache {
  constructor(readonly dir: string) {}

  entryFile(acName: Sha256): string {
    return path.join(this.dir, 'ac', acName.slice(0, 2), `${acName}.json`);
  }

  blobFile(sha: Sha256): string {
    return path.join(this.dir, 'cas', sha.slice(0, 2), sha);
  }

  /** A fresh temp path on the cache's file system (so a rename into place is atomic). */
  async tempFile(): Promise<string> {
    const tmp = path.join(this.dir, 'tmp');
    await fs.mkdir(tmp, { recursive: true });
    return path.join(tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** The raw entry text, or undefined when there is none. */
  async readEntryText(acName: Sha256): Promise<string | undefined> {
    return fs.readFile(this.entryFile(acName), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
  }

  async writeEntry(acName: Sha256, entry: CacheEntry): Promise<void> {
    await this.writeEntryText(acName, JSON.stringify(entry));
  }

  async writeEntryText(acName: Sha256, text: string): Promise<void> {
    const file = this.entryFile(acName);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = await this.tempFile();
    await fs.writeFile(temp, text);
    await fs.rename(temp, file);
  }

  async removeEntry(acName: Sha256): Promise<void> {
    await fs.rm(this.entryFile(acName), { force: true });
  }

  /** Record a use of the entry (its mtime is what LRU eviction goes by). */
  async touchEntry(acName: Sha256): Promise<void> {
    const now = new Date();
    await fs.utimes(this.entryFile(acName), now, now).catch(() => undefined);
  }

  async hasBlob(sha: Sha256): Promise<boolean> {
    return fs.access(this.blobFile(sha)).then(() => true, () => false);
  }

  async removeBlob(sha: Sha256): Promise<void> {
    await fs.rm(this.blobFile(sha), { force: true });
  }

  /**
   * Copy a file into the store and return its SHA-256. The copy is hashed (not the
   * original), so the name always matches the bytes stored under it.
   */
  async putFile(file: string): Promise<Sha256> {
    const temp = await this.tempFile();
    const hash = createHash('sha256');
    try {
      await pipeline(createReadStream(file), hashing(hash), createWriteStream(temp));
      const sha = hash.digest('hex') as Sha256;
      return await this.adoptTemp(temp, sha);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** Move a verified temp file into the store under `sha`. */
  async adoptTemp(temp: string, sha: Sha256): Promise<Sha256> {
    const target = this.blobFile(sha);
    if (await this.hasBlob(sha)) return sha;
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.chmod(temp, 0o444);
    await fs.rename(temp, target);
    return sha;
  }

  /** Every entry with its last use, for gc and stats. Unreadable entries come back as `undefined` entries. */
  async listEntries(): Promise<Array<{ acName: Sha256; file: string; lastUse: number; bytes: number; entry: CacheEntry | undefined }>> {
    const out: Array<{ acName: Sha256; file: string; lastUse: number; bytes: number; entry: CacheEntry | undefined }> = [];
    // Checking an entry hashes its file list: without this, every entry would look unreadable.
    await initHashing();
    for (const file of await listTwoLevels(path.join(this.dir, 'ac'))) {
      if (!file.endsWith('.json')) continue;
      const stat = await fs.stat(file).catch(() => undefined);
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (!stat || text === undefined) continue;
      let entry: CacheEntry | undefined;
      try {
        const key = (JSON.parse(text) as { key?: unknown }).key;
        const parsed = typeof key === 'string' ? parseEntry(text, key as NodeKey) : 'no key';
        entry = typeof parsed === 'string' ? undefined : parsed;
      } catch {
        entry = undefined;
      }
      out.push({ acName: path.basename(file, '.json') as Sha256, file, lastUse: stat.mtimeMs, bytes: stat.size, entry });
    }
    return out;
  }

  async listBlobs(): Promise<Map<Sha256, { file: string; bytes: number; mtimeMs: number }>> {
    const blobs = new Map<Sha256, { file: string; bytes: number; mtimeMs: number }>();
    for (const file of await listTwoLevels(path.join(this.dir, 'cas'))) {
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat) blobs.set(path.basename(file) as Sha256, { file, bytes: stat.size, mtimeMs: stat.mtimeMs });
    }
    return blobs;
  }

  async stats(): Promise<CacheStats> {
    const entries = await this.listEntries();
    const blobs = await this.listBlobs();
    let bytes = 0;
    for (const e of entries) bytes += e.bytes;
    for (const b of blobs.values()) bytes += b.bytes;
    return { entries: entries.length, blobs: blobs.size, bytes };
  }

  /**
   * Evict least recently used entries until entries and blobs take at most
   * `maxBytes`. Unreadable entries go first; blobs no entry names are removed
   * (once older than an hour: a writer stores blobs before its entry).
   */
  async gc(maxBytes: number, now = Date.now()): Promise<GcResult> {
    const before = await this.stats();
    const entries = await this.listEntries();
    const blobs = await this.listBlobs();
    const refs = new Map<Sha256, number>();
    for (const { entry } of entries) if (entry) for (const sha of blobsOf(entry).keys()) refs.set(sha, (refs.get(sha) ?? 0) + 1);

    let bytes = before.bytes;
    let evictedEntries = 0;
    let removedBlobs = 0;
    const dropBlob = async (sha: Sha256): Promise<void> => {
      const blob = blobs.get(sha);
      if (!blob) return;
      await fs.rm(blob.file, { force: true });
      blobs.delete(sha);
      bytes -= blob.bytes;
      removedBlobs += 1;
    };
    for (const [sha, blob] of [...blobs]) if (!refs.has(sha) && now - blob.mtimeMs > STALE_TEMP_MS) await dropBlob(sha);

    // Unreadable entries first, then the least recently used.
    entries.sort((a, b) => (a.entry ? 1 : 0) - (b.entry ? 1 : 0) || a.lastUse - b.lastUse);
    for (const item of entries) {
      if (bytes <= maxBytes && item.entry) break;
      await fs.rm(item.file, { force: true });
      bytes -= item.bytes;
      evictedEntries += 1;
      for (const sha of item.entry ? blobsOf(item.entry).keys() : []) {
        const left = (refs.get(sha) ?? 1) - 1;
        refs.set(sha, left);
        if (left <= 0) await dropBlob(sha);
      }
    }
    for (const file of await fs.readdir(path.join(this.dir, 'tmp')).catch(() => [] as string[])) {
      const full = path.join(this.dir, 'tmp', file);
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await fs.rm(full, { force: true, recursive: true });
    }
    return { before, after: await this.stats(), evictedEntries, removedBlobs };
  }
}

/** A pass-through stream that feeds a hash. */
export function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

async function listTwoLevels(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const shard of await fs.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, shard);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) files.push(path.join(dir, name));
  }
  return files;
}
