/**
 * Shared, read-only extracted source trees, and private copies of them.
 *
 * A tree is keyed by what determines its content: the archive's SHA-256 (or a
 * local tree's fingerprint), the strip count and the contents of each patch in
 * order. The same key means the same tree, so stages and targets share one.
 * A tree is built in a `.tmp-<pid>-*` dir and renamed into place only when it is
 * complete, so an interrupted run never leaves a half-extracted tree under the
 * final name; leftovers of dead processes are removed on the next call.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError } from '../errors.ts';
import { canonicalJson, fingerprintFile, fingerprintString, initHashing, type Fingerprint } from '../hash.ts';
import { extractArchive } from './extract.ts';
import { makeReadOnly, makeTempDir, makeWritable, pathExists, removeTree, writeFileAtomic } from './fsutil.ts';
import { applyPatches } from './patch.ts';
import { fingerprintTree } from './tree-fingerprint.ts';

const FORMAT_VERSION = 1;

export interface PrepareSourceOptions {
  /** The shared source dir (e.g. build/src); trees are created below it. */
  srcDir: string;
  /** A verified archive (from fetchSource) ... */
  archive?: string;
  /** ... and its SHA-256, which keys the tree (the archive is not re-hashed). */
  sha256?: string;
  /** Or a local source directory (copied, then patched; used in place when there are no patches). */
  dir?: string;
  /** Leading components dropped from archive entries (default 1). */
  strip?: number;
  /** Extract only these paths (after stripping); part of the tree's identity. */
  include?: readonly string[];
  /** Patch files applied in order with patch -p1. */
  patches?: readonly string[];
  /** Readable prefix for the tree's directory name, e.g. `musl-1.2.5`. */
  name?: string;
  /** Remove write permission from the shared tree (default true), so in-tree writes fail loudly. */
  readOnly?: boolean;
  /** Fingerprint cache for a local `dir` (default: under srcDir/.tree-cache). */
  treeCacheFile?: string;
}

export interface PreparedTree {
  /** The tree to build from. */
  dir: string;
  key: Fingerprint;
  /** True when an existing tree was reused (nothing extracted or patched). */
  reused: boolean;
  /** The archive's top-level directory, when known. */
  topDir?: string;
}

interface TreeMeta {
  version: number;
  key: string;
  sha256?: string;
  dir?: string;
  strip: number;
  patches: string[];
  topDir?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `.tmp-<pid>-*` staging dirs whose process is gone (interrupted runs). */
async function sweepStale(srcDir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(srcDir);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = /^\.tmp-(\d+)-/.exec(n)?.[1];
    if (pid && Number(pid) !== process.pid && !alive(Number(pid))) await removeTree(path.join(srcDir, n)).catch(() => undefined);
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '').slice(0, 80);
}

export async function prepareSourceTree(opts: PrepareSourceOptions): Promise<PreparedTree> {
  await initHashing();
  if ((opts.archive === undefined) === (opts.dir === undefined)) {
    throw new EngineError('CONFIG_INVALID', 'prepareSourceTree needs exactly one of `archive` and `dir`.');
  }
  const srcDir = path.resolve(opts.srcDir);
  const strip = opts.strip ?? 1;
  const patches = (opts.patches ?? []).map((p) => path.resolve(p));
  const patchFps: string[] = [];
  for (const p of patches) {
    try {
      patchFps.push(await fingerprintFile(p));
    } catch {
      throw new EngineError('PATCH_FAILED', `The patch ${p} cannot be read. Check source.patches (paths are relative to the recipe file).`);
    }
  }

  let identity: Record<string, unknown>;
  if (opts.archive !== undefined) {
    if (!opts.sha256) throw new EngineError('CONFIG_INVALID', `prepareSourceTree: the SHA-256 of ${opts.archive} is required (it keys the tree).`);
    identity = opts.include ? { sha256: opts.sha256.toLowerCase(), strip, include: [...opts.include].sort() } : { sha256: opts.sha256.toLowerCase(), strip };
  } else {
    const dir = path.resolve(opts.dir!);
    if (patches.length === 0) {
      // Builds are out of tree: an unpatched local tree is used where it is.
      const cache = opts.treeCacheFile ?? path.join(srcDir, '.tree-cache', `${fingerprintString(dir)}.json`);
      const fp = await fingerprintTree(dir, cache);
      return { dir, key: fp.hash, reused: true };
    }
    const cache = opts.treeCacheFile ?? path.join(srcDir, '.tree-cache', `${fingerprintString(dir)}.json`);
    identity = { tree: (await fingerprintTree(dir, cache)).hash };
  }
  const key = fingerprintString(canonicalJson({ v: FORMAT_VERSION, ...identity, patches: patchFps }));
  const final = path.join(srcDir, opts.name ? `${safeName(opts.name)}-${key}` : key);
  const metaFile = `${final}.json`;

  if (await pathExists(final)) {
    const meta = await fs.readFile(metaFile, 'utf8').then((t) => JSON.parse(t) as TreeMeta).catch(() => undefined);
    return { dir: final, key, reused: true, ...(meta?.topDir !== undefined ? { topDir: meta.topDir } : {}) };
  }

  await fs.mkdir(srcDir, { recursive: true });
  await sweepStale(srcDir);
  const staging = await makeTempDir(srcDir, `.tmp-${process.pid}-`);
  try {
    const tree = path.join(staging, 'tree');
    let topDir: string | undefined;
    if (opts.archive !== undefined) {
      ({ topDir } = await extractArchive(opts.archive, tree, { strip, tmpDir: staging, include: opts.include }));
    } else {
      await copyTree(path.resolve(opts.dir!), tree);
      await makeWritable(tree);
    }
    await applyPatches(tree, patches);
    const meta: TreeMeta = { version: FORMAT_VERSION, key, strip, patches };
    if (opts.archive !== undefined) meta.sha256 = opts.sha256!.toLowerCase();
    if (opts.dir !== undefined) meta.dir = path.resolve(opts.dir);
    if (topDir !== undefined) meta.topDir = topDir;
    await writeFileAtomic(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    const readOnly = opts.readOnly ?? true;
    if (readOnly) {
      // The top dir stays writable until renamed: moving a directory to a new parent needs write access to it.
      for (const n of await fs.readdir(tree)) await makeReadOnly(path.join(tree, n));
    }
    try {
      await fs.rename(tree, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process finished the same tree first; theirs is as good as ours.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await pathExists(final))) {
        return { dir: final, key, reused: true, ...(topDir !== undefined ? { topDir } : {}) };
      }
      throw err;
    }
    if (readOnly) {
      const st = await fs.stat(final);
      await fs.chmod(final, st.mode & 0o7777 & ~0o222);
    }
    return { dir: final, key, reused: false, ...(topDir !== undefined ? { topDir } : {}) };
  } finally {
    await removeTree(staging);
  }
}

/** Copy a tree preserving modes, times and symlinks; reflink (CoW clone) where the filesystem can. */
async function copyTree(from: string, to: string): Promise<void> {
  const r = await execa('cp', ['-a', '--reflink=auto', '--', from, to], { reject: false, stdin: 'ignore', all: true });
  if (r.exitCode === 0) return;
  // Not GNU cp (or it failed): node's copy, which also tries a clone per file.
  await removeTree(to);
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, mode: fsConstants.COPYFILE_FICLONE });
}

/**
 * A writable private copy of a shared tree at `dest` (make-rootfs's pkg_copy),
 * for builds that write into their source dir. `dest` is replaced.
 */
export async function privateCopy(tree: string, dest: string): Promise<void> {
  const target = path.resolve(dest);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await copyTree(path.resolve(tree), tmp);
    await makeWritable(tmp);
    await removeTree(target);
    await fs.rename(tmp, target);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  }
}
