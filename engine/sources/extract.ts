/**
 * Extract a source archive safely: tar.gz/.tgz, .tar.xz, .tar.bz2, .tar.zst, plain
 * .tar and .zip.
 *
 * The format is recognised by its magic bytes, not its name. gzip is decompressed
 * in-process (node:zlib); xz, bzip2 and zstd by host tools (packages xz-utils,
 * bzip2, zstd) streamed into the `tar` package's parser, so our own entry checks
 * (archive-guard.ts) run on every entry whatever the compression. zip goes through
 * the host `unzip` (package unzip): names are checked from `unzip -Z1` before
 * anything is written, the extracted tree is checked again afterwards.
 *
 * Everything is written into a fresh temp dir inside `tmpDir` and renamed into
 * `dest` only when the whole archive passed; on any refusal or error the temp dir
 * is removed and `dest` is not created.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { Parser, Unpack, type ReadEntry } from 'tar';
import { EngineError } from '../errors.ts';
import { ArchiveGuard, type EntryKind } from './archive-guard.ts';
import { findExecutable, makeTempDir, pathExists, removeTree, TOOL_PACKAGES } from './fsutil.ts';

export type ArchiveFormat = 'tar' | 'gz' | 'xz' | 'bz2' | 'zst' | 'zip';

export interface ExtractOptions {
  /** Leading path components to drop (default 1: the `name-version/` directory). */
  strip?: number;
  /**
   * Extract only these paths (after stripping) and what lies below them. Every
   * entry is still checked, so a hostile entry elsewhere refuses the archive.
   */
  include?: readonly string[];
  /** Where the temp extraction dir is made; same filesystem as dest keeps the final rename atomic. */
  tmpDir: string;
}

export interface ExtractResult {
  /** The archive's single top-level directory, when it has one. */
  topDir?: string;
}

/** Recognise the archive format from its first bytes. */
export async function detectFormat(archive: string): Promise<ArchiveFormat | undefined> {
  const handle = await fs.open(archive, 'r');
  const buf = Buffer.alloc(512);
  let n: number;
  try {
    ({ bytesRead: n } = await handle.read(buf, 0, 512, 0));
  } finally {
    await handle.close();
  }
  const head = buf.subarray(0, n);
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gz';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x42, 0x5a, 0x68)) return 'bz2';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zst';
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

const HOST_DECOMPRESSOR: Partial<Record<ArchiveFormat, { tool: string; args: string[] }>> = {
  // -T0: xz >= 5.4 decompresses multi-block files in parallel.
  xz: { tool: 'xz', args: ['-dc', '-T0'] },
  bz2: { tool: 'bzip2', args: ['-dc'] },
  zst: { tool: 'zstd', args: ['-dc', '-q'] },
};

/**
 * The host program extracting an archive of this name will need, guessed from its
 * extension (the real format is only known from the file): for `doctor`.
 */
export function hostToolForArchive(name: string): string | undefined {
  const ext = /\.(?:tar\.)?(xz|txz|bz2|tbz2?|zst|tzst|zip)$/.exec(name)?.[1];
  if (!ext) return undefined;
  if (ext === 'zip') return 'unzip';
  const format: ArchiveFormat = ext.includes('x') ? 'xz' : ext.includes('b') ? 'bz2' : 'zst';
  return HOST_DECOMPRESSOR[format]!.tool;
}

/** Fail early with the package to install, rather than a bare ENOENT from spawn. */
export async function requireTool(tool: string, purpose: string): Promise<void> {
  if (await findExecutable(tool)) return;
  const pkg = TOOL_PACKAGES[tool] ?? tool;
  throw new EngineError(
    'MISSING_TOOL',
    `The host tool "${tool}" is needed to ${purpose} but is not on PATH. ` +
      `Install it (Debian/Ubuntu: apt-get install ${pkg}) and run again.`,
  );
}

interface TarByteStream {
  stream: Readable;
  /** Resolves when the decompressor finished cleanly; rejects with its error. */
  finished: Promise<void>;
  cancel(): void;
}

async function openTarStream(archive: string, format: Exclude<ArchiveFormat, 'zip'>): Promise<TarByteStream> {
  if (format === 'tar' || format === 'gz') {
    const file = createReadStream(archive);
    const out: Readable = format === 'tar' ? file : file.pipe(zlib.createGunzip());
    if (out !== file) file.on('error', (err) => out.destroy(err));
    // 'close' without 'end' is a cancel (or a destroy after an error, reported by 'error').
    const finished = new Promise<void>((resolve, reject) => {
      out.on('end', resolve);
      out.on('error', reject);
      out.on('close', resolve);
    });
    return { stream: out, finished, cancel: () => { file.destroy(); out.destroy(); } };
  }
  const spec = HOST_DECOMPRESSOR[format]!;
  await requireTool(spec.tool, `decompress ${path.basename(archive)}`);
  const child = execa(spec.tool, [...spec.args, '--', archive], {
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    reject: false,
    stripFinalNewline: true,
  });
  const finished = (async () => {
    const result = await child;
    if (result.exitCode !== 0 && !result.isTerminated) {
      throw new Error(`${spec.tool} failed (exit ${result.exitCode}): ${String(result.stderr).slice(0, 500)}`);
    }
    if (result.isTerminated) throw new Error(`${spec.tool} was stopped`);
  })();
  return { stream: child.stdout, finished, cancel: () => child.kill() };
}

function entryKind(type: string): EntryKind {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'dir';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device';
    case 'FIFO':
      return 'fifo';
    default:
      return 'other';
  }
}

function asEngineError(err: unknown, archive: string): EngineError {
  if (err instanceof EngineError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new EngineError(
    'EXTRACT_FAILED',
    `Could not extract ${archive}: ${msg}. Nothing from this archive was kept. ` +
      'If the file is damaged, delete it from the distfiles directory and fetch it again.',
    { cause: err },
  );
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function included(relPath: string, include: readonly string[] | undefined): boolean {
  if (!include) return true;
  const clean = relPath.replace(/^\.\//, '').replace(/\/+$/, '');
  // Parent directories of an included path are kept too, so the tree can hold it.
  return include.some((prefix) => clean === prefix || clean.startsWith(`${prefix}/`) || prefix.startsWith(`${clean}/`));
}

async function unpackTar(
  archive: string,
  format: Exclude<ArchiveFormat, 'zip'>,
  into: string,
  strip: number,
  include?: readonly string[],
): Promise<ArchiveGuard> {
  const guard = new ArchiveGuard(archive, strip);
  const source = await openTarStream(archive, format);
  let refusal: EngineError | undefined;
  const unpack = new Unpack({
    cwd: into,
    strict: true,
    // As root, tar would chown to the archive's uids; a source tree belongs to whoever builds.
    preserveOwner: false,
    filter: (_p, e) => {
      if (refusal) return false;
      const entry = e as ReadEntry;
      try {
        const ok = guard.check(entry.path, entryKind(entry.type), entry.linkpath);
        if (!ok) return false;
        if (!included(ok.path, include)) return false;
        entry.path = ok.path;
        if (ok.linkpath !== undefined) entry.linkpath = ok.linkpath;
        // No setuid/setgid bits in a source tree, ever (we may be extracting as root).
        if (typeof entry.mode === 'number') entry.mode &= 0o1777;
        return true;
      } catch (err) {
        refusal = asEngineError(err, archive);
        // Stop reading: nothing after a hostile entry is worth writing. Ending (not
        // aborting) lets the writes already queued finish, so 'close' means idle.
        queueMicrotask(() => {
          source.stream.unpipe(unpack);
          source.cancel();
          unpack.end();
        });
        return false;
      }
    },
  });
  const closed = new Promise<void>((resolve) => unpack.on('close', resolve));
  const unpacked = new Promise<void>((resolve, reject) => {
    unpack.on('close', resolve);
    unpack.on('error', reject);
  });
  source.stream.on('error', (err) => {
    if (!refusal) unpack.abort(err);
  });
  source.stream.pipe(unpack);
  try {
    await Promise.all([unpacked, source.finished]);
  } catch (err) {
    if (!refusal) {
      source.cancel();
      unpack.end();
    }
    // Let writes already in flight land before the caller removes the temp dir.
    await Promise.race([closed, wait(5000)]);
    throw refusal ?? asEngineError(err, archive);
  }
  if (refusal) throw refusal;
  if (guard.empty) throw asEngineError(new Error('the archive has no entries'), archive);
  guard.finish();
  return guard;
}

async function run(cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Move the content found `strip` levels below `from` into the new directory `to`. */
async function moveStripped(from: string, to: string, strip: number): Promise<void> {
  await fs.mkdir(to);
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const name of await fs.readdir(dir)) {
      const p = path.join(dir, name);
      if (depth < strip) {
        if ((await fs.lstat(p)).isDirectory()) await walk(p, depth + 1);
        continue;
      }
      const target = path.join(to, name);
      if (await pathExists(target)) {
        throw new Error(`two top-level directories both contain "${name}" after stripping ${strip} component(s)`);
      }
      await fs.rename(p, target);
    }
  };
  await walk(from, 0);
}

async function unpackZip(archive: string, into: string, strip: number, scratch: string): Promise<ArchiveGuard> {
  await requireTool('unzip', `extract ${path.basename(archive)}`);
  const guard = new ArchiveGuard(archive, strip);
  const listing = await run('unzip', ['-Z1', archive]);
  if (listing.code !== 0) throw asEngineError(new Error(`unzip -Z1 failed: ${listing.stderr.trim()}`), archive);
  const names = listing.stdout.split('\n').filter((l) => l !== '');
  // First pass on names only: refuse before unzip writes a single byte.
  for (const name of names) guard.check(name, name.endsWith('/') ? 'dir' : 'file');
  const raw = path.join(scratch, 'raw');
  await fs.mkdir(raw);
  // -X off, -K off: no uid/gid and no setuid bits restored.
  const r = await run('unzip', ['-qq', '-o', archive, '-d', raw]);
  // Second pass on what unzip actually made: types, symlink targets, paths through symlinks.
  const post = new ArchiveGuard(archive, strip);
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const r2 = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(p);
      if (st.isSymbolicLink()) post.check(r2, 'symlink', await fs.readlink(p));
      else if (st.isDirectory()) {
        post.check(r2, 'dir');
        await walk(p, r2);
      } else if (st.isFile()) {
        post.check(r2, 'file');
        if (st.mode & 0o6000) await fs.chmod(p, st.mode & 0o1777);
      } else post.check(r2, st.isFIFO() ? 'fifo' : st.isCharacterDevice() || st.isBlockDevice() ? 'device' : 'other');
    }
  };
  await walk(raw, '');
  for (const name of names) {
    const parts = name.split('/').filter((x) => x !== '' && x !== '.').slice(strip);
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (post.symlinks.has(prefix)) {
        throw new EngineError('UNSAFE_ARCHIVE', `Refusing to extract ${archive}: entry "${name}" would be written through the symlink "${prefix}". Nothing from this archive was kept.`);
      }
    }
  }
  post.finish();
  // Judged after the safety checks: unzip also fails on some hostile layouts, and those should say so.
  if (r.code !== 0 && r.code !== 1) throw asEngineError(new Error(`unzip exit ${r.code}: ${(r.stderr || r.stdout).trim()}`), archive);
  await moveStripped(raw, into, strip);
  return guard;
}

/**
 * Extract `archive` into `dest` (which must not exist yet, or be an empty dir),
 * dropping `strip` leading components. All or nothing.
 */
export async function extractArchive(archive: string, dest: string, opts: ExtractOptions): Promise<ExtractResult> {
  const strip = opts.strip ?? 1;
  const format = await detectFormat(archive).catch((err: unknown) => {
    throw asEngineError(err, archive);
  });
  if (!format) {
    throw new EngineError(
      'UNSUPPORTED_ARCHIVE',
      `${archive} is not an archive this engine can extract (supported: tar, tar.gz/tgz, tar.xz, tar.bz2, tar.zst, zip; ` +
        'recognised by content, not name). Check the URL points at a release tarball, not an HTML page.',
    );
  }
  if (await pathExists(dest)) {
    const entries = await fs.readdir(dest).catch(() => ['?']);
    if (entries.length > 0) {
      throw new EngineError('EXTRACT_FAILED', `Cannot extract ${archive} into ${dest}: the destination exists and is not empty. Remove it first.`);
    }
    await fs.rmdir(dest);
  }
  const scratch = await makeTempDir(opts.tmpDir, '.extract-');
  try {
    let guard: ArchiveGuard;
    const tree = path.join(scratch, 'tree');
    if (format === 'zip') {
      guard = await unpackZip(archive, tree, strip, scratch);
    } else {
      await fs.mkdir(tree);
      guard = await unpackTar(archive, format, tree, strip, opts.include);
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fs.rename(tree, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // tmpDir on another filesystem: copy (not atomic, so into a sibling first).
      const sibling = `${dest}.tmp-${process.pid}`;
      await fs.cp(tree, sibling, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      await fs.rename(sibling, dest);
    }
    return guard.topDir === undefined ? {} : { topDir: guard.topDir };
  } catch (err) {
    throw asEngineError(err, archive);
  } finally {
    await removeTree(scratch);
  }
}

/**
 * The single top-level directory of an archive (undefined when entries do not
 * share one). Reads the whole archive; used to report what an apt orig holds.
 */
export async function archiveTopDir(archive: string): Promise<string | undefined> {
  const format = await detectFormat(archive);
  if (!format) return undefined;
  const tops = new Set<string>();
  const add = (name: string) => {
    const first = name.split('/').find((p) => p !== '' && p !== '.');
    if (first) tops.add(first);
  };
  if (format === 'zip') {
    await requireTool('unzip', `list ${path.basename(archive)}`);
    const r = await run('unzip', ['-Z1', archive]);
    r.stdout.split('\n').filter(Boolean).forEach(add);
  } else {
    const source = await openTarStream(archive, format);
    const parser = new Parser({ onReadEntry: (e) => { add(e.path); e.resume(); } });
    const done = new Promise<void>((resolve, reject) => {
      parser.on('end', resolve);
      parser.on('error', reject);
    });
    source.stream.pipe(parser);
    await Promise.all([done, source.finished]);
  }
  return tops.size === 1 ? [...tops][0] : undefined;
}
