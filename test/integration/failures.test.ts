import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { builtNodes, makeProject, snapshotTree, type TestProject } from '../helpers/project.ts';

/** Alive and not a zombie (a killed orphan may wait for its reaper a while). */
async function isRunning(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i += 1) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === '' || state === 'Z' || state === 'X') return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** A config of shell-only recipes; `bodies` maps recipe name -> [deps, install command]. */
function shellConfig(bodies: Record<string, [string[], string]>): string {
  const recipes = Object.entries(bodies).map(
    ([name, [deps, command]]) =>
      `defineRecipe({ name: ${JSON.stringify(name)}, version: '1', deps: ${JSON.stringify(deps)}, phases: { install: (ctx) => ${JSON.stringify(command)}.replaceAll('$OUT', ctx.dirs.dest) } })`,
  );
  return `import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [\n  ${recipes.join(',\n  ')}\n] });\n`;
}

describe('failures, interruption and the lock', () => {
  let project: TestProject;
  afterEach(async () => {
    await project?.remove();
  });

  it('stops new work after a failure and prints a summary with the log tail', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        broken: [[], 'echo compiling; echo "error: something is wrong" >&2; exit 3'],
        after: [['broken'], 'mkdir -p $OUT/x && echo after > $OUT/x/after'],
        slow: [[], 'sleep 1; mkdir -p $OUT/x && echo slow > $OUT/x/slow'],
        later: [['slow'], 'mkdir -p $OUT/x && echo later > $OUT/x/later'],
      }),
    );
    const run = await project.cli('run', 'after', 'later', '--jobs', '2');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('The install phase of broken@host failed');
    expect(run.stderr).toContain('exited with status 3');
    expect(run.stderr).toContain('error: something is wrong');
    expect(run.stderr).toContain(project.path('build/log/host/broken/install.log'));
    expect(run.stderr).toContain('1 node failed: broken@host');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // slow was already running and finishes; later is new work and does not start.
    expect(builtNodes(run.stdout)).toEqual(['broken@host', 'slow@host']);
    await fs.access(project.path('build/out/host/x/slow'));
    await expect(fs.access(project.path('build/out/host/x/later'))).rejects.toThrow();
  });

  it('goes on with independent work under --keep-going', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        broken: [[], 'exit 1'],
        after: [['broken'], 'true'],
        slow: [[], 'sleep 1; mkdir -p $OUT/x && echo slow > $OUT/x/slow'],
        later: [['slow'], 'mkdir -p $OUT/x && echo later > $OUT/x/later'],
      }),
    );
    const run = await project.cli('run', 'after', 'later', '--jobs', '2', '--keep-going');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('skip  after@host (needs broken@host, which did not build)');
    expect(await project.read('build/out/host/x/later')).toBe('later\n');
    // What was built stays built: a rerun only retries the failure.
    const again = await project.cli('run', 'after', 'later', '--keep-going');
    expect(builtNodes(again.stdout)).toEqual(['broken@host']);
  });

  it('stops a phase that runs past the recipe\'s timeout', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'slow', version: '1', timeout: { build: 1 }, phases: { build: () => 'echo started; sleep 30' } }),
] });
`,
    );
    const started = Date.now();
    const run = await project.cli('run', 'slow');
    expect(run.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stderr).toContain('The build phase of slow@host failed: `echo started; sleep 30` timed out: the build phase may take 1 s');
    expect(run.stderr).toContain('started');
  });

  it('lets a file move from one package to another within one run', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        old: [[], 'mkdir -p $OUT/etc && echo old > $OUT/etc/conf'],
        new: [[], 'true'],
      }),
    );
    expect((await project.cli('run', 'old', 'new')).exitCode).toBe(0);
    // Now `new` installs etc/conf and `old` (slower, so `new` is ready to merge first) drops it.
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        old: [[], 'sleep 2; mkdir -p $OUT/etc && echo old > $OUT/etc/other'],
        new: [[], 'mkdir -p $OUT/etc && echo new > $OUT/etc/conf'],
      }),
    );
    const run = await project.cli('run', 'old', 'new', '--jobs', '2');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await project.read('build/out/host/etc/conf')).toBe('new\n');
    expect(await project.read('build/out/host/etc/other')).toBe('old\n');
  });

  it('lends the place of a node that waits for an old owner, so the owner can start (no deadlock)', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        gate: [[], 'true'],
        old: [['gate'], 'mkdir -p $OUT/bin && echo a > $OUT/bin/a && echo b > $OUT/bin/b'],
        // Recorded as the long ones: the next run starts them first.
        one: [[], 'sleep 1'],
        two: [[], 'sleep 1'],
      }),
    );
    expect((await project.cli('run', 'old', 'one', 'two')).exitCode).toBe(0);
    // Toybox giving grep and cmp to their own packages: `one` and `two` take both
    // places at once and wait for `old`, which cannot start before `gate` has run.
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        gate: [[], 'sleep 1'],
        old: [['gate'], 'mkdir -p $OUT/bin && echo rest > $OUT/bin/rest'],
        one: [[], 'mkdir -p $OUT/bin && echo one > $OUT/bin/a'],
        two: [[], 'mkdir -p $OUT/bin && echo two > $OUT/bin/b'],
      }),
    );
    const run = await project.cli('run', 'old', 'one', 'two', '--jobs', '2');
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(builtNodes(run.stdout).sort()).toEqual(['gate@host', 'old@host', 'one@host', 'two@host']);
    expect(await project.read('build/out/host/bin/a')).toBe('one\n');
    expect(await project.read('build/out/host/bin/b')).toBe('two\n');
    expect(await project.read('build/out/host/bin/rest')).toBe('rest\n');
  });

  it('refuses two nodes installing the same path, naming both', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        one: [[], 'mkdir -p $OUT/etc && echo one > $OUT/etc/conf'],
        two: [['one'], 'mkdir -p $OUT/etc && echo two > $OUT/etc/conf'],
      }),
    );
    const run = await project.cli('run', 'two');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/two@host installs a path that another node already owns .*etc\/conf \(already installed by one@host\)/s);
    expect(await project.read('build/out/host/etc/conf')).toBe('one\n');
  });

  it('survives SIGKILL of the engine: the rerun finishes and matches a clean build', async () => {
    project = await makeProject('basic');
    await project.edit('rootfs.config.ts', (text) =>
      text.replace("build: (ctx) => make(ctx),\n    install: (ctx) => make(ctx, 'install'),\n    check", "build: (ctx) => ['sleep 2', make(ctx)],\n    install: (ctx) => make(ctx, 'install'),\n    check"),
    );
    const child = project.spawn(['run', 'all', '--jobs', '2']);
    // Wait until hello (after libgreet) is inside its sleep, then kill the engine outright.
    for (let i = 0; i < 100; i += 1) {
      const started = await fs.access(project.path('build/log/host/hello/build.log')).then(() => true, () => false);
      if (started) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await child;
    const resumed = await project.cli('run', 'all');
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(builtNodes(resumed.stdout)).toEqual(['hello@host']);
    const afterKill = await snapshotTree(project.path('build/out'));

    const clean = await makeProject('basic');
    try {
      expect((await clean.cli('run', 'all')).exitCode).toBe(0);
      expect(await snapshotTree(clean.path('build/out'))).toEqual(afterKill);
    } finally {
      await clean.remove();
    }
  });

  it('stops every child on Ctrl-C, exits 130, and keeps finished work', async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      shellConfig({
        quick: [[], 'mkdir -p $OUT/x && echo quick > $OUT/x/quick'],
        hang: [['quick'], 'sleep 300 & echo $! > ' + '$OUT/../../../tmp-hang.pid; wait'],
      }),
    );
    const child = project.spawn(['run', 'hang']);
    for (let i = 0; i < 100; i += 1) {
      if (await fs.access(project.path('build/log/host/hang/install.log')).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toContain('Interrupted.');
    const pid = Number((await project.read('build/tmp-hang.pid')).trim());
    expect(await isRunning(pid)).toBe(false);
    expect(await project.read('build/out/host/x/quick')).toBe('quick\n');
    await expect(fs.access(project.path('build/state/lock'))).rejects.toThrow();
    const again = await project.cli('plan', 'hang');
    expect(again.stdout).toMatch(/fresh quick@host/);
  });

  it('lets only one engine build in a build root at a time', async () => {
    project = await makeProject();
    // The first build holds the lock until the test lets it go (a fixed sleep lost the
    // race when a loaded machine took longer than that to start the second CLI).
    await project.write('rootfs.config.ts', shellConfig({ wait: [[], 'while [ ! -e $OUT/../../../go ]; do sleep 0.05; done'] }));
    const first = project.spawn(['run', 'wait']);
    for (let i = 0; i < 100; i += 1) {
      if (await fs.access(project.path('build/state/lock')).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await project.cli('run', 'wait');
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`Another rootfs-engine process (pid ${first.pid}) is building`);
    await project.write('build/go', '');
    expect((await first).exitCode).toBe(0);

    // A lock left by a dead process is taken over.
    await project.write('build/state/lock', '999999\n');
    const third = await project.cli('run', 'wait');
    expect(third.exitCode).toBe(0);
  });
});
