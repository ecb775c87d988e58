/**
 * `rootfs-engine watch` driven as a user would: the real CLI in a fixture project,
 * files edited while it runs, its output read until the lines we wait for appear.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { builtNodes, makeProject, type TestProject } from '../helpers/project.ts';

const WAIT_MS = 60_000;

/** A running `watch`, with its output so far and a way to wait for a line. */
class WatchProcess {
  output = '';
  readonly child: ResultPromise;
  private exited = false;

  constructor(project: TestProject, args: string[]) {
    this.child = project.spawn(['watch', ...args]);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    void this.child.then(() => {
      this.exited = true;
    });
  }

  /** Wait until `pattern` matches the output after offset `from`; returns the offset after the match. */
  async waitFor(pattern: RegExp, from = 0): Promise<number> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return from + match.index + match[0].length;
      if (this.exited) throw new Error(`watch exited before ${pattern} appeared. Output:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}. Output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Wait for the status line that ends a build, after offset `from`. */
  idle(from = 0): Promise<number> {
    return this.waitFor(/\[watch\] watching \d+ paths[^\n]*\n/, from);
  }

  async stop(): Promise<number> {
    if (!this.exited) this.child.kill('SIGINT');
    return (await this.child).exitCode ?? -1;
  }
}

/** Members of a process group, from /proc (zombies excluded). */
async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

async function waitForFile(file: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined && text.endsWith('\n')) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('watch', () => {
  let project: TestProject | undefined;
  let watcher: WatchProcess | undefined;
  let flags: string | undefined;
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await project?.remove();
    project = undefined;
    if (flags) await fs.rm(flags, { recursive: true, force: true });
    flags = undefined;
  });

  it('rebuilds only the node whose source changed and its dependents, and never reacts to its own writes', async () => {
    project = await makeProject('basic');
    watcher = new WatchProcess(project, ['all']);
    let at = await watcher.idle();
    expect(builtNodes(watcher.output)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);

    // The engine's own directories: outputs, logs, state, temp files, distfiles.
    for (const rel of ['build/out/host/usr/bin/extra', 'build/log/host/hello/build.log', 'build/state/nodes/host/x.json', 'build/tmp/junk', 'build/src/x.tar.gz']) {
      await project.write(rel, 'written by someone else\n');
    }
    await new Promise((r) => setTimeout(r, 1500)); // a quiet period: nothing may happen
    expect(watcher.output.slice(at)).toBe('');

    await project.edit('libgreet/greet.c', (text) => text.replace('Hello', 'Howdy'));
    const changeAt = await watcher.waitFor(/\[watch\] change: libgreet\/greet\.c\n/, at);
    at = await watcher.idle(changeAt);
    const segment = watcher.output.slice(changeAt, at);
    expect(builtNodes(segment)).toEqual(['hello@host', 'libgreet@host']);
    expect(segment).toMatch(/build libgreet@host: source changed \(greet\.c\)/);
    expect(segment).toContain('last build: ok (2 built, 1 up to date)');
    const { execa } = await import('execa');
    expect((await execa(project.path('build/out/host/usr/bin/hello'), ['you'])).stdout).toContain('Howdy, you!');

    // A source edit that leaves the output as it was stops at that node (early cutoff).
    await project.edit('hello/hello.c', (text) => `${text}\n/* a comment */\n`);
    const commentAt = await watcher.waitFor(/\[watch\] change: hello\/hello\.c\n/, at);
    at = await watcher.idle(commentAt);
    expect(builtNodes(watcher.output.slice(commentAt, at))).toEqual(['hello@host']);
    expect(await watcher.stop()).toBe(0);
  });

  it('reloads edited modules the config imports, and files they read, not only the config itself', async () => {
    project = await makeProject();
    await project.write('recipes/words.ts', `export const word = 'first';\n`);
    await project.write(
      'recipes/say.ts',
      `import { readFileSync } from 'node:fs';
import { defineRecipe } from 'rootfs-engine';
import { word } from './words.ts';
const suffix = readFileSync(new URL('./files/suffix.txt', import.meta.url), 'utf8').trim();
export const say = defineRecipe({ name: 'say', version: '1', phases: { install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/etc && echo \${word}-\${suffix} > \${ctx.dirs.dest}/etc/said\` } });
`,
    );
    await project.write('recipes/files/suffix.txt', 'one\n');
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig } from 'rootfs-engine';\nimport { say } from './recipes/say.ts';\nexport default defineConfig({ recipes: [say] });\n`,
    );
    watcher = new WatchProcess(project, ['say']);
    let at = await watcher.idle();
    expect(await project.read('build/out/host/etc/said')).toBe('first-one\n');

    // A module two imports away from the config.
    await project.write('recipes/words.ts', `export const word = 'second';\n`);
    at = await watcher.idle(await watcher.waitFor(/\[watch\] change: recipes\/words\.ts\n/, at));
    expect(await project.read('build/out/host/etc/said')).toBe('second-one\n');
    expect(watcher.output.slice(at - 400, at)).toMatch(/build say@host: recipe changed \(phases\.install\)/);

    // A file a recipe module reads when it loads (like toybox's config fragment),
    // replaced the way editors save: a new file renamed over the old one.
    await project.write('recipes/files/.suffix.txt.swp', 'two\n');
    await fs.rename(project.path('recipes/files/.suffix.txt.swp'), project.path('recipes/files/suffix.txt'));
    at = await watcher.idle(await watcher.waitFor(/\[watch\] change: recipes\/files\/suffix\.txt\n/, at));
    expect(await project.read('build/out/host/etc/said')).toBe('second-two\n');

    // A syntax error in an imported module: reported with its file; fixing it rebuilds.
    // Removed and created again, as `git checkout` does: the watch survives the new inode.
    await fs.rm(project.path('recipes/words.ts'));
    await project.write('recipes/words.ts', `export const word = 'third;\n`);
    at = await watcher.waitFor(/\[watch\] config error: [^\n]*recipes\/words\.ts:1:[^\n]*\n/, at);
    at = await watcher.idle(at);
    await project.write('recipes/words.ts', `export const word = 'third';\n`);
    at = await watcher.idle(await watcher.waitFor(/\[watch\] change: recipes\/words\.ts\n/, at));
    expect(await project.read('build/out/host/etc/said')).toBe('third-two\n');
  });

  it('keys nodes as run does: reloads leave commands that name module URLs unchanged', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
const urls = [import.meta.url, import.meta.resolve('rootfs-engine')].join(' ');
export default defineConfig({ recipes: [defineRecipe({ name: 'urls', version: '1', phases: { install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/etc && echo \${urls} > \${ctx.dirs.dest}/etc/urls\` } })] });
`,
    );
    watcher = new WatchProcess(project, ['urls']);
    let at = await watcher.idle();
    expect(await project.read('build/out/host/etc/urls')).not.toContain('?');
    await project.edit('rootfs.config.ts', (text) => `${text}// a comment\n`);
    const changeAt = await watcher.waitFor(/\[watch\] change: rootfs\.config\.ts\n/, at);
    at = await watcher.idle(changeAt);
    expect(builtNodes(watcher.output.slice(changeAt, at))).toEqual([]);
    expect(await watcher.stop()).toBe(0);
    const run = await project.cli('run', 'urls');
    expect(run.exitCode).toBe(0);
    expect(builtNodes(run.stdout)).toEqual([]);
  });

  it('reports a config that does not load, keeps watching, and rebuilds on the next good edit', async () => {
    project = await makeProject('basic');
    watcher = new WatchProcess(project, ['all']);
    let at = await watcher.idle();
    const good = await project.read('rootfs.config.ts');

    await project.write('rootfs.config.ts', `${good}\nexport const broken = (;\n`);
    at = await watcher.waitFor(/\[watch\] config error: Could not load the config [^\n]*rootfs\.config\.ts[^\n]*\n/, at);
    at = await watcher.idle(at);
    expect(watcher.output.slice(at - 300, at)).toContain('last build: config error');
    expect(watcher.output).not.toMatch(/\n\s+at /);

    await project.write('rootfs.config.ts', good.replace(`CFLAGS: '-O2'`, `CFLAGS: '-O1'`));
    const fixedAt = await watcher.waitFor(/\[watch\] change: rootfs\.config\.ts\n/, at);
    at = await watcher.idle(fixedAt);
    expect(builtNodes(watcher.output.slice(fixedAt, at))).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(watcher.output.slice(fixedAt, at)).toContain('last build: ok (3 built');
  });

  it('cancels and restarts a node whose input changes while it builds, while an unaffected node goes on and builds once', async () => {
    project = await makeProject();
    flags = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-flags-'));
    // Each slow phase notes its process group and waits until the test lets it go.
    const slow = (name: string): string =>
      `defineRecipe({ name: '${name}', version: '1', source: { path: './${name}' }, phases: { install: (ctx) => ` +
      `\`echo $$ >> ${flags}/${name}.pids; while [ ! -e ${flags}/go ]; do sleep 0.05; done; mkdir -p \${ctx.dirs.dest}/etc && cat \${ctx.dirs.src}/input > \${ctx.dirs.dest}/etc/${name}\` } })`;
    await project.write('a/input', 'a1\n');
    await project.write('b/input', 'b1\n');
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [${slow('a')}, ${slow('b')}] });\n`,
    );
    watcher = new WatchProcess(project, ['a', 'b', '--jobs', '2']);
    const firstA = Number((await waitForFile(path.join(flags, 'a.pids'))).trim());
    await waitForFile(path.join(flags, 'b.pids'));
    expect(await groupMembers(firstA)).not.toEqual([]);

    await project.write('a/input', 'a2\n');
    let at = await watcher.waitFor(/\[watch\] cancel a@host: its inputs changed[^\n]*\n/);
    expect(watcher.output).not.toMatch(/\[watch\] cancel b@host/);
    at = await watcher.waitFor(/build a@host: never built\n/, at);
    const pids = async (): Promise<string[]> => (await fs.readFile(path.join(flags!, 'a.pids'), 'utf8')).trim().split('\n');
    while ((await pids()).length < 2) await new Promise((r) => setTimeout(r, 50));
    expect(await groupMembers(firstA)).toEqual([]);

    await fs.writeFile(path.join(flags, 'go'), '');
    await watcher.idle(at);
    const out = watcher.output;
    expect(out.match(/cancelled a@host/g)).toHaveLength(1);
    expect(out.match(/done {2}a@host/g)).toHaveLength(1);
    expect(out.match(/build b@host/g)).toHaveLength(1);
    expect(out.match(/done {2}b@host/g)).toHaveLength(1);
    expect(await project.read('build/out/host/etc/a')).toBe('a2\n');
    expect(await project.read('build/out/host/etc/b')).toBe('b1\n');
    expect((await fs.readFile(path.join(flags, 'b.pids'), 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/last build: ok \(1 built, 1 up to date\)/);
  });

  it('keeps --jobs across runs: a node an older run still builds takes a slot of the new run', async () => {
    project = await makeProject();
    flags = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-flags-'));
    await project.write('c/input', 'c1\n');
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'b', version: '1', phases: { install: () => 'echo started > ${flags}/b.started; while [ ! -e ${flags}/go ]; do sleep 0.05; done' } }),
  defineRecipe({ name: 'c', version: '1', weight: 1000, source: { path: './c' }, phases: { install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/etc && cat \${ctx.dirs.src}/input > \${ctx.dirs.dest}/etc/c\` } }),
] });
`,
    );
    watcher = new WatchProcess(project, ['b', 'c', '--jobs', '1']);
    await waitForFile(path.join(flags, 'b.started'));
    await project.write('c/input', 'c2\n');
    const at = await watcher.waitFor(/\[watch\] change: c\/input\n/);
    await watcher.waitFor(/\[watch\] building 2 nodes/, at);
    // c comes first in the new run (its weight); it would start now if b's slot were free.
    await new Promise((r) => setTimeout(r, 1000));
    expect(builtNodes(watcher.output.slice(at))).toEqual([]);
    await fs.writeFile(path.join(flags, 'go'), '');
    await watcher.idle(at);
    const out = watcher.output.slice(at);
    expect(out.indexOf('done  b@host')).toBeGreaterThan(-1);
    expect(out.indexOf('build c@host')).toBeGreaterThan(out.indexOf('done  b@host'));
    expect(await project.read('build/out/host/etc/c')).toBe('c2\n');
  });

  it('exits 130 on Ctrl-C during a build, leaving no process of the build behind and the lock released', async () => {
    project = await makeProject();
    flags = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-watch-flags-'));
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [defineRecipe({ name: 'hang', version: '1', phases: { install: () => 'echo $$ > ${flags}/pgid; sleep 300 & sleep 300; wait' } })] });
`,
    );
    watcher = new WatchProcess(project, ['hang']);
    const pgid = Number((await waitForFile(path.join(flags, 'pgid'))).trim());
    expect((await groupMembers(pgid)).length).toBeGreaterThanOrEqual(2);
    watcher.child.kill('SIGINT');
    const result = await watcher.child;
    expect(result.exitCode).toBe(130);
    expect(watcher.output).toContain('Interrupted.');
    expect(await groupMembers(pgid)).toEqual([]);
    await expect(fs.access(project.path('build/state/lock'))).rejects.toThrow();
    await expect(fs.access(project.path('build/state/nodes/host/hang.json'))).rejects.toThrow();
  });

  it('exits 2 with the usual message when the goals do not resolve at start, releasing the lock', async () => {
    project = await makeProject('basic');
    const result = await project.cli('watch', 'hellp');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"hellp" is neither a recipe nor a goal');
    expect(result.stderr).toContain('Did you mean "hello"?');
    await expect(fs.access(project.path('build/state/lock'))).rejects.toThrow();
    expect((await project.cli('watch', 'all', '--debounce', 'soon')).stderr).toContain('--debounce wants a whole number of milliseconds');
  });

  it('exits 0 on Ctrl-C while only watching', async () => {
    project = await makeProject('basic');
    watcher = new WatchProcess(project, ['motd']);
    await watcher.idle();
    expect(await watcher.stop()).toBe(0);
    await expect(fs.access(project.path('build/state/lock'))).rejects.toThrow();
  });
});
