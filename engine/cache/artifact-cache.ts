/**
 * The artifact cache as the builder sees it: `restore` a node's staged install by
 * key instead of building it, and `store` it after a successful build. Local
 * first, then the remote cache (whose entries and blobs are copied into the local
 * cache, verified, before anything is restored from them).
 *
 * A restore never trusts the store: every file is hashed (SHA-256) as it is copied
 * into the staging directory, and the restored install must scan to the entry's
 * output hash. Anything wrong (a missing or corrupt blob, a bad entry) discards
 * the local entry, gives one warning and lets the node build; it never fails a
 * build and never lets wrong bytes into an output tree.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { sha256File, type Sha256 } from '../hash.ts';
import { outputHashOf, scanManifest, type Manifest, type OutputHash } from '../store/manifest.ts';
import type { NodeKey } from '../store/state.ts';
import { acNameOf, blobsOf, CACHE_FORMAT, manifestOf, parseEntry, type CacheEntry, type CacheFile } from './entry.ts';
import { LocalCache } from './local.ts';
import { RemoteCache } from './remote.ts';

export interface ArtifactCacheOptions {
  dir: string;
  url?: string;
  readOnly?: boolean;
  /** Where warnings go (the CLI prints them on stderr). */
  warn: (message: string) => void;
  /** Nodes to build even when cached, and not to store (`verify`). */
  bypass?: ReadonlySet<string>;
}

export interface Restored {
  manifest: Manifest;
  outputHash: OutputHash;
  from: 'local' | 'remote';
  /** Build time of the build that produced the entry (not of the restore). */
  buildDurationMs: number;
  phaseDurationsMs?: Record<string, number>;
}

export interface StoreInput {
  id: string;
  key: NodeKey;
  stageDir: string;
  manifest: Manifest;
  outputHash: OutputHash;
  durationMs: number;
  phaseDurationsMs?: Record<string, number>;
}

/** A restore that found wrong or missing bytes; `blob` is the bad one, if one is to blame. */
class CorruptEntry extends Error {
  constructor(
    message: string,
    readonly blob?: Sha256,
  ) {
    super(message);
  }
}

export class ArtifactCache {
  readonly local: LocalCache;
  readonly remote: RemoteCache | undefined;
  private readonly warn: (message: string) => void;
  private readonly bypass: ReadonlySet<string>;
  /** Set after a local write failed (a full disk, a read-only directory): one warning per run. */
  private storeFailed = false;

  constructor(options: ArtifactCacheOptions) {
    this.local = new LocalCache(options.dir);
    this.warn = options.warn;
    this.bypass = options.bypass ?? new Set();
    this.remote = options.url ? new RemoteCache(options.url, { readOnly: options.readOnly === true, warn: options.warn }) : undefined;
  }

  /** Whether `restore`/`store` apply to the node at all. */
  covers(id: string): boolean {
    return !this.bypass.has(id);
  }

  /** Read an entry: local, else remote (then copied into the local cache with its blobs). */
  async lookup(id: string, key: NodeKey): Promise<{ entry: CacheEntry; from: 'local' | 'remote' } | undefined> {
    const acName = acNameOf(key);
    const localText = await this.local.readEntryText(acName).catch(() => undefined);
    if (localText !== undefined) {
      const entry = parseEntry(localText, key);
      if (typeof entry !== 'string') return { entry, from: 'local' };
      this.warn(`The cached build of ${id} (${this.local.entryFile(acName)}) is unusable: ${entry}. It was discarded; building ${id}.`);
      await this.local.removeEntry(acName).catch(() => undefined);
      return undefined;
    }
    if (!this.remote?.available) return undefined;
    const remoteText = await this.remote.getEntry(acName);
    if (remoteText === undefined) return undefined;
    const entry = parseEntry(remoteText, key);
    if (typeof entry === 'string') {
      this.warn(`The remote cache's entry for ${id} (${this.remote.shown}/ac/${acName}) is unusable: ${entry}. Ignored; building ${id} locally.`);
      return undefined;
    }
    for (const sha of blobsOf(entry).keys()) {
      if (await this.local.hasBlob(sha)) continue;
      const temp = await this.local.tempFile();
      const fetched = await this.remote.fetchBlob(sha, temp);
      if (fetched === 'ok') {
        await this.local.adoptTemp(temp, sha);
        continue;
      }
      await fs.rm(temp, { force: true });
      if (fetched === 'mismatch') {
        this.warn(
          `The remote cache ${this.remote.shown} sent wrong bytes for a file of ${id} (cas/${sha}: its SHA-256 differs). ` +
            `They were thrown away; building ${id} locally. Someone may have tampered with the server's storage.`,
        );
      } else if (fetched === 'missing') {
        this.warn(`The remote cache ${this.remote.shown} lacks a file of ${id}'s entry (cas/${sha}); building ${id} locally.`);
      }
      return undefined;
    }
    await this.local.writeEntry(acName, entry);
    return { entry, from: 'remote' };
  }

  /**
   * Put the cached install of `key` into `stageDir` (emptied first). Undefined
   * when there is nothing usable in the cache; then the node builds.
   */
  async restore(id: string, key: NodeKey, stageDir: string): Promise<Restored | undefined> {
    if (!this.covers(id)) return undefined;
    let found;
    try {
      found = await this.lookup(id, key);
    } catch (error) {
      this.warn(`Reading the artifact cache for ${id} failed (${(error as Error).message}); building ${id}.`);
      return undefined;
    }
    if (!found) return undefined;
    const { entry, from } = found;
    const acName = acNameOf(key);
    try {
      await materialize(entry, stageDir, this.local);
      const manifest = await scanManifest(stageDir);
      if (outputHashOf(manifest) !== entry.outputHash) throw new CorruptEntry('the restored files do not match the entry');
      await this.local.touchEntry(acName);
      return { manifest, outputHash: entry.outputHash, from, buildDurationMs: entry.durationMs, phaseDurationsMs: entry.phaseDurationsMs };
    } catch (error) {
      await fs.rm(stageDir, { recursive: true, force: true }).catch(() => undefined);
      await fs.mkdir(stageDir, { recursive: true }).catch(() => undefined);
      await this.local.removeEntry(acName).catch(() => undefined);
      if (error instanceof CorruptEntry) {
        if (error.blob) await this.local.removeBlob(error.blob).catch(() => undefined);
        this.warn(`The cached build of ${id} is corrupt (${error.message}). The entry was discarded; building ${id}.`);
      } else {
        this.warn(`Restoring ${id} from the artifact cache failed (${(error as Error).message}); building ${id}.`);
      }
      return undefined;
    }
  }

  /** Keep a successful build. Failures are warnings: the build itself succeeded. */
  async store(input: StoreInput): Promise<void> {
    if (!this.covers(input.id) || this.storeFailed) return;
    const acName = acNameOf(input.key);
    let entry: CacheEntry;
    try {
      const files: CacheFile[] = [];
      for (const item of input.manifest) {
        if (item.type !== 'file') {
          files.push({ ...item });
          continue;
        }
        const sha = await this.local.putFile(path.join(input.stageDir, item.path));
        files.push({ ...item, sha256: sha });
      }
      entry = {
        format: CACHE_FORMAT,
        key: input.key,
        id: input.id,
        outputHash: input.outputHash,
        files,
        durationMs: input.durationMs,
        phaseDurationsMs: input.phaseDurationsMs,
        createdAt: new Date().toISOString(),
      };
      // The staging directory might have changed since it was scanned: never store a lie.
      if (outputHashOf(manifestOf(entry)) !== input.outputHash) return;
      await this.local.writeEntry(acName, entry);
    } catch (error) {
      // Stores run concurrently: only the first failure speaks.
      if (this.storeFailed) return;
      this.storeFailed = true;
      this.warn(`Storing ${input.id} in the artifact cache ${this.local.dir} failed (${(error as Error).message}); the build itself is fine. Nothing more is stored this run.`);
      return;
    }
    try {
      await this.upload(acName, entry);
    } catch (error) {
      // A blob gone between the local store and the upload (a concurrent gc), say.
      this.warn(`Uploading ${input.id} to the remote cache failed (${(error as Error).message}); the build itself is fine.`);
    }
  }

  private async upload(acName: Sha256, entry: CacheEntry): Promise<void> {
    const remote = this.remote;
    if (!remote || remote.readOnly || !remote.available) return;
    // Blobs first: a client that sees the entry finds every blob it names.
    for (const sha of blobsOf(entry).keys()) {
      if (await remote.hasBlob(sha)) continue;
      if (!remote.available) return;
      if (!(await remote.putBlob(sha, this.local.blobFile(sha)))) return;
    }
    await remote.putEntry(acName, JSON.stringify(entry));
  }
}

/** Write an entry's files into an emptied `stageDir`, hashing every copy. */
/** Files copied at once on restore: small files are dominated by syscall latency, not bandwidth. */
const RESTORE_CONCURRENCY = 8;

async function materialize(entry: CacheEntry, stageDir: string, local: LocalCache): Promise<void> {
  await fs.rm(stageDir, { recursive: true, force: true });
  await fs.mkdir(stageDir, { recursive: true });
  // Directories first, in order (parents before children), then the rest in parallel.
  for (const file of entry.files) if (file.type === 'dir') await fs.mkdir(path.join(stageDir, file.path), { recursive: true });
  const rest = entry.files.filter((file) => file.type !== 'dir');
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < rest.length && !failed) {
      const file = rest[next++]!;
      const target = path.join(stageDir, file.path);
      if (file.type === 'symlink') {
        await fs.symlink(file.target ?? '', target);
        continue;
      }
      const sha = file.sha256 as Sha256;
      let actual: Sha256;
      try {
        // Clone where the file system can (instant, no extra space), then hash the copy.
        await fs.copyFile(local.blobFile(sha), target, fsConstants.COPYFILE_FICLONE);
        actual = await sha256File(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptEntry(`${file.path}: its blob ${sha} is missing`, sha);
        throw error;
      }
      if (actual !== sha) throw new CorruptEntry(`${file.path}: blob ${sha} has other content`, sha);
      await fs.chmod(target, file.mode);
    }
  };
  // Every worker is waited for, so none is still writing when the caller cleans up.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(RESTORE_CONCURRENCY, rest.length) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
  // Directory modes last (deepest first): a read-only directory must not stop the copies.
  for (const file of [...entry.files].reverse()) if (file.type === 'dir') await fs.chmod(path.join(stageDir, file.path), file.mode);
}
