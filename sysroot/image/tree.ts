/**
 * Assembles the root filesystem tree that every image format is written from: the
 * place's installed tree minus development files, plus the seed's merged-/usr layout
 * (bin, lib, sbin -> usr/...), the empty mount points, and /etc from a skeleton.
 *
 * Choices:
 * - Files are copied (fs.cp with COPYFILE_FICLONE: a reflink where the filesystem has
 *   them, a plain copy otherwise), never hard-linked, so nothing done to the image tree
 *   can reach the build's out/ directory, and symlinks are copied verbatim.
 * - The tree is built in a temporary sibling of `dest` and renamed into place; an
 *   existing `dest` is replaced only once the new tree is complete.
 * - The skeleton is copied over whatever packages installed into etc/ (the image's
 *   configuration wins over package defaults); its modes come from git, which keeps only
 *   the x bit, so secrets files get their modes from `modes`.
 */
import { constants } from 'node:fs';
import { chmod, cp, lstat, mkdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { tempSibling } from './walk.ts';

/** Paths (relative to the out tree; "*" matches within one path component) left out of images. */
export const DEFAULT_EXCLUDES: readonly string[] = [
  'usr/include',
  'usr/lib/*.a',
  'usr/lib/*.o',
  'usr/lib/pkgconfig',
  'usr/lib/clang-resource',
  'usr/share/man',
  'usr/share/doc',
];

/** Modes forced after the skeleton is copied in. */
export const DEFAULT_MODES: Readonly<Record<string, number>> = {
  'etc/shadow': 0o600,
  'etc/gshadow': 0o600,
};

const LAYOUT_SYMLINKS: ReadonlyArray<[string, string]> = [
  ['bin', 'usr/bin'],
  ['lib', 'usr/lib'],
  ['sbin', 'usr/bin'],
  ['var/run', '/run'],
];

const LAYOUT_DIRS: ReadonlyArray<[string, number]> = [
  ['usr/bin', 0o755],
  ['usr/lib', 0o755],
  ['dev', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['tmp', 0o1777],
  ['run', 0o755],
  ['var', 0o755],
  ['root', 0o700],
  ['etc', 0o755],
];

export interface AssembleOptions {
  /** The place's installed tree (e.g. build/out/x86_64-linux-musl). */
  outDir: string;
  /** Where the root filesystem tree goes; replaced if it exists. */
  dest: string;
  /** A directory whose files become etc/. */
  skeleton?: string;
  /** Relative paths or one-component globs to leave out; DEFAULT_EXCLUDES if omitted. */
  exclude?: readonly string[];
  /** Modes to force on paths of the result, when they exist; DEFAULT_MODES if omitted. */
  modes?: Readonly<Record<string, number>>;
  /**
   * Only these paths of outDir (files, links and their directories), when given:
   * what the image's packages installed, not whatever else was built into the tree.
   */
  only?: ReadonlySet<string>;
}

function globToRegExp(pattern: string): RegExp {
  const parts = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((seg) => seg.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'));
  return new RegExp(`^${parts.join('/')}$`);
}

/** A predicate on '/'-separated relative paths; a matched directory excludes its subtree. */
export function makeExcluder(patterns: readonly string[]): (rel: string) => boolean {
  const res = patterns.map(globToRegExp);
  return (rel) => res.some((re) => re.test(rel));
}

async function isDirNotLink(p: string): Promise<boolean> {
  const st = await lstat(p).catch(() => undefined);
  return !!st && st.isDirectory();
}

/** Builds the root filesystem tree; returns `dest`. */
export async function assembleRootfs(opts: AssembleOptions): Promise<string> {
  const outDir = path.resolve(opts.outDir);
  const dest = path.resolve(opts.dest);
  const excluded = makeExcluder(opts.exclude ?? DEFAULT_EXCLUDES);
  if (!(await isDirNotLink(outDir))) throw new Error(`assembleRootfs: ${outDir} is not a directory`);
  if (opts.skeleton && !(await isDirNotLink(opts.skeleton))) throw new Error(`assembleRootfs: skeleton ${opts.skeleton} is not a directory`);

  const tmp = tempSibling(dest);
  await mkdir(path.dirname(dest), { recursive: true });
  try {
    await cp(outDir, tmp, {
      recursive: true,
      verbatimSymlinks: true,
      mode: constants.COPYFILE_FICLONE,
      errorOnExist: true,
      force: false,
      filter: (src) => {
        const rel = path.relative(outDir, src).split(path.sep).join('/');
        return rel === '' || (!excluded(rel) && (opts.only === undefined || opts.only.has(rel)));
      },
    });
    await chmod(tmp, 0o755);

    for (const [rel, mode] of LAYOUT_DIRS) {
      const p = path.join(tmp, rel);
      await mkdir(p, { recursive: true });
      // chmod, not mkdir's mode: the umask would strip 1777's write bits.
      await chmod(p, mode);
    }
    for (const [rel, target] of LAYOUT_SYMLINKS) {
      const p = path.join(tmp, rel);
      const st = await lstat(p).catch(() => undefined);
      if (st?.isSymbolicLink() && (await readlink(p)) === target) continue;
      if (st) {
        throw new Error(
          `assembleRootfs: the out tree has ${path.join(outDir, rel)}, but the image layout needs ${rel} -> ${target} there ` +
            '(packages must install into usr/bin, usr/lib and /run instead)',
        );
      }
      await symlink(target, p);
    }

    if (opts.skeleton) {
      await cp(path.resolve(opts.skeleton), path.join(tmp, 'etc'), {
        recursive: true,
        verbatimSymlinks: true,
        mode: constants.COPYFILE_FICLONE,
        force: true,
      });
      await chmod(path.join(tmp, 'etc'), 0o755);
    }
    for (const [rel, mode] of Object.entries(opts.modes ?? DEFAULT_MODES)) {
      const p = path.join(tmp, rel);
      const st = await lstat(p).catch(() => undefined);
      if (st && !st.isSymbolicLink()) await chmod(p, mode);
    }

    // Swap in the finished tree; the old one goes only after the rename succeeded.
    const old = (await lstat(dest).catch(() => undefined)) ? tempSibling(dest) : undefined;
    if (old) await rename(dest, old);
    await rename(tmp, dest);
    if (old) await rm(old, { recursive: true, force: true });
    return dest;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
