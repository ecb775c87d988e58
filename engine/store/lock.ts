/**
 * One engine process per build root. The lock file holds the owner's pid; a lock
 * whose pid no longer runs is stale and is taken over. Taking over goes through a
 * rename so two processes racing for a stale lock cannot both win.
 */
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';

export interface BuildLock {
  release(): Promise<void>;
  releaseSync(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live engine process holding the lock of a build root, if any (read-only commands use it). */
export async function lockHolder(stateDir: string): Promise<number | undefined> {
  const holder = Number.parseInt((await fs.readFile(path.join(stateDir, 'lock'), 'utf8').catch(() => '')).trim(), 10);
  return Number.isInteger(holder) && holder > 0 && isAlive(holder) ? holder : undefined;
}

export async function acquireLock(stateDir: string): Promise<BuildLock> {
  await fs.mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, 'lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return makeLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt((await fs.readFile(file, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new EngineError(
        'LOCKED',
        `Another rootfs-engine process (pid ${holder}) is building in ${path.dirname(stateDir)}. ` +
          `Wait for it to finish, stop it, or use another --build-dir. (Lock file: ${file}.)`,
      );
    }
    // Stale: move it aside atomically; whoever renames it first retries the create.
    await fs.rename(file, `${file}.stale.${process.pid}`).catch(() => undefined);
    await fs.rm(`${file}.stale.${process.pid}`, { force: true });
  }
  throw new EngineError('LOCKED', `Could not take the build lock ${file}: another process keeps replacing it. Try again.`);
}

function makeLock(file: string): BuildLock {
  let held = true;
  const own = async (): Promise<boolean> => (await fs.readFile(file, 'utf8').catch(() => '')).trim() === String(process.pid);
  return {
    async release() {
      if (!held) return;
      held = false;
      if (await own()) await fs.rm(file, { force: true });
    },
    releaseSync() {
      if (!held) return;
      held = false;
      try {
        if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
