/**
 * Small filesystem helpers used across the sources modules: forced removal of (possibly read-only) trees, and temp dirs.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

// One implementation of crash-safe writes for the whole engine.
export { writeFileAtomic } from '../store/atomic.ts';

/**
 * Remove a tree even when parts of it were made read-only (shared source trees are),
 * which rm -rf as a non-root user cannot do without restoring write bits first.
 */
export async function removeTree(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rm(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'EACCES' || code === 'EPERM') && attempt === 0) {
        await makeWritable(dir).catch(() => undefined);
        continue;
      }
      // A writer that was still finishing (an aborted extraction) added a file meanwhile.
      if (code === 'ENOTEMPTY' && attempt < 10) {
        await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        continue;
      }
      throw err;
    }
  }
}

/** Add u+w to every directory and file below dir (symlinks untouched). */
export async function makeWritable(dir: string): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o200) === 0) await fs.chmod(p, (st.mode & 0o7777) | 0o200);
    if (st.isDirectory()) {
      for (const name of await fs.readdir(p)) await walk(path.join(p, name));
    }
  };
  await walk(dir);
}

/** Remove write bits from every file and directory below dir, directories last. */
export async function makeReadOnly(dir: string): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      for (const name of await fs.readdir(p)) await walk(path.join(p, name));
    }
    if ((st.mode & 0o222) !== 0) await fs.chmod(p, st.mode & 0o7777 & ~0o222);
  };
  await walk(dir);
}

/** A fresh temp dir inside `parent` (created if needed). */
export async function makeTempDir(parent: string, prefix: string): Promise<string> {
  await fs.mkdir(parent, { recursive: true });
  return fs.mkdtemp(path.join(parent, prefix));
}

/** Is `cmd` runnable from PATH (or as given, when it contains a slash)? */
export async function findExecutable(cmd: string): Promise<string | undefined> {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean).map((d) => path.join(d, cmd));
  for (const c of candidates) {
    try {
      await fs.access(c, fsConstants.X_OK);
      const st = await fs.stat(c);
      if (st.isFile()) return c;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Apt package that provides a host tool we call, for "install X" hints. */
export { DEBIAN_PACKAGES as TOOL_PACKAGES } from '../exec/host-tools.ts';
