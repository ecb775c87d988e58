/**
 * Test projects: a fixture copied into a fresh temp directory, with
 * node_modules/rootfs-engine linked to this checkout (as a user's install would
 * be), and a way to run the real CLI in it.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO, 'bin', 'rootfs-engine.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class TestProject {
  constructor(readonly dir: string) {}

  get buildDir(): string {
    return path.join(this.dir, 'build');
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  async write(rel: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(this.path(rel)), { recursive: true });
    await fs.writeFile(this.path(rel), text);
  }

  async read(rel: string): Promise<string> {
    return fs.readFile(this.path(rel), 'utf8');
  }

  async edit(rel: string, change: (text: string) => string): Promise<void> {
    await this.write(rel, change(await this.read(rel)));
  }

  /** Start the CLI without waiting (for signals and the lock). */
  /** The project's own artifact cache (XDG_CACHE_HOME), so tests never share one. */
  get cacheHome(): string {
    return path.join(this.dir, '.xdg-cache');
  }

  spawn(args: readonly string[], env: Record<string, string> = {}): ResultPromise {
    return execa(process.execPath, [CLI, ...args], {
      cwd: this.dir,
      reject: false,
      env: { XDG_CACHE_HOME: this.cacheHome, ...env, NO_COLOR: '1' },
      stdin: 'ignore',
    });
  }

  async cli(...args: string[]): Promise<CliResult> {
    const result = await this.spawn(args);
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

export async function linkEngine(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await fs.symlink(REPO, path.join(dir, 'node_modules', 'rootfs-engine'));
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'test-project', private: true, type: 'module' }));
}

/** A copy of fixtures/<name> (or an empty project) in a new temp directory. */
export async function makeProject(fixture?: string): Promise<TestProject> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-engine-test-'));
  if (fixture) await fs.cp(path.join(REPO, 'fixtures', fixture), dir, { recursive: true });
  await linkEngine(dir);
  return new TestProject(dir);
}

/** Lines of a run's output that report a node being built. */
export function builtNodes(stdout: string): string[] {
  return [...stdout.matchAll(/\] build (\S+):/g)].map((m) => m[1]!).sort();
}

/** Lines of a run's output that report a node restored from the artifact cache. */
export function restoredNodes(stdout: string, from: 'local' | 'remote' = 'local'): string[] {
  return [...stdout.matchAll(new RegExp(`\\] restored\\s+(\\S+) \\(from the ${from} cache`, 'g'))].map((m) => m[1]!).sort();
}

/** Every file under a directory with its content, for byte-for-byte comparisons. */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(root, child);
      if (entry.isDirectory()) {
        out[`${child}/`] = 'dir';
        await walk(child);
      } else if (entry.isSymbolicLink()) out[child] = `-> ${await fs.readlink(abs)}`;
      else {
        const stat = await fs.stat(abs);
        out[child] = `${(stat.mode & 0o777).toString(8)} ${(await fs.readFile(abs)).toString('base64')}`;
      }
    }
  }
  await walk('');
  return out;
}

/**
 * A copy of fixtures/external-project installed with npm the way a user's project
 * is: its `file:` dependency pointed at this checkout (the fixture says ../..).
 */
export async function installExternalProject(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-external-'));
  await fs.cp(path.join(REPO, 'fixtures', 'external-project'), dir, { recursive: true });
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies['rootfs-engine'] = `file:${REPO}`;
  await fs.writeFile(pkgFile, JSON.stringify(pkg, null, 2));
  await execa('npm', ['install', '--no-audit', '--no-fund', '--offline'], { cwd: dir });
  return dir;
}
