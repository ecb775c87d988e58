/**
 * The engine's jobserver with the host's real GNU make (4.3 on Debian 12, which
 * takes the `R,W` form): several nodes each run `make` on a Makefile of many slow
 * jobs under --jobs 2. Every job appends its start and end to one file; the
 * number of jobs running at once is computed from it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { peakConcurrency } from '../helpers/concurrency.ts';

const JOBS_PER_NODE = 8;

/** A Makefile of `count` jobs, each sleeping `seconds` between two lines in `log`. */
function slowMakefile(log: string, count: number, seconds: number, extra = ''): string {
  const names = Array.from({ length: count }, (_, i) => `j${i}`);
  return [
    `all: ${names.join(' ')}`,
    `.PHONY: all ${names.join(' ')}`,
    `${names.join(' ')}:`,
    `\t@echo "start $$(date +%s%N) $$$$" >> ${log}; ${extra}sleep ${seconds}; echo "end $$(date +%s%N) $$$$" >> ${log}`,
    '',
  ].join('\n');
}


function config(nodes: string[], makefile: string, command = 'make -f'): string {
  const recipes = nodes.map(
    (name) =>
      `defineRecipe({ name: ${JSON.stringify(name)}, version: '1', phases: { build: () => ${JSON.stringify(`${command} ${makefile}`)}, install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/${name} && echo "$MAKEFLAGS" > \${ctx.dirs.dest}/${name}/makeflags\` } })`,
  );
  return `import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [\n  ${recipes.join(',\n  ')}\n] });\n`;
}

describe('jobserver with GNU make', () => {
  let project: TestProject;
  afterEach(async () => {
    await project?.remove();
  });

  it('never runs more than --jobs make jobs across several nodes, and still runs them in parallel', async () => {
    project = await makeProject();
    const log = project.path('jobs.log');
    await project.write('jobs.mk', slowMakefile(log, JOBS_PER_NODE, 0.3));
    await project.write('rootfs.config.ts', config(['a', 'b', 'c'], project.path('jobs.mk')));
    const run = await project.cli('run', 'a', 'b', 'c', '--jobs', '2');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const text = await fs.readFile(log, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3 * JOBS_PER_NODE * 2);
    expect(peakConcurrency(text)).toBe(2);
    // The host make is 4.3: it got the R,W form last.
    const makeflags = await project.read('build/out/host/a/makeflags');
    expect(makeflags).toMatch(/^ -j2 --jobserver-auth=fifo:\S+ --jobserver-auth=3,4$/m);
  });

  it('keeps MAKEFLAGS out of node keys: another --jobs rebuilds nothing', async () => {
    project = await makeProject();
    await project.write('jobs.mk', slowMakefile(project.path('jobs.log'), 2, 0));
    await project.write('rootfs.config.ts', config(['a'], project.path('jobs.mk')));
    expect((await project.cli('run', 'a', '--jobs', '2')).exitCode).toBe(0);
    const again = await project.cli('run', 'a', '--jobs', '1');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/0 built, 1 up to date/);
  });

  it('gets back the tokens of a make killed mid-build: the next node and the next run get full parallelism', async () => {
    project = await makeProject();
    const log = project.path('jobs.log');
    // Each job of the crashing Makefile kills its make (SIGKILL) once make holds
    // extra tokens; the node itself succeeds, so `later` runs after it, alone.
    await project.write('crash.mk', slowMakefile(project.path('crash.log'), JOBS_PER_NODE, 0.3, 'sleep 0.2; kill -9 $$PPID 2>/dev/null; '));
    await project.write('jobs.mk', slowMakefile(log, JOBS_PER_NODE, 0.3));
    const recipes = [
      `defineRecipe({ name: 'crash', version: '1', phases: { build: () => 'make -f ${project.path('crash.mk')} || true' } })`,
      `defineRecipe({ name: 'later', version: '1', deps: ['crash'], phases: { build: () => 'make -f ${project.path('jobs.mk')}' } })`,
    ];
    await project.write('rootfs.config.ts', `import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [${recipes.join(', ')}] });\n`);
    const run = await project.cli('run', 'later', '--jobs', '3');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    // The killed make had taken 2 tokens (3 jobs started).
    expect(peakConcurrency(await fs.readFile(project.path('crash.log'), 'utf8'))).toBe(3);
    expect(peakConcurrency(await fs.readFile(log, 'utf8'))).toBe(3);
    await fs.rm(log);
    await project.edit('rootfs.config.ts', (text) => text.replace(`'make -f ${project.path('jobs.mk')}'`, `'true; make -f ${project.path('jobs.mk')}'`));
    const next = await project.cli('run', 'later', '--jobs', '3');
    expect(next.exitCode).toBe(0);
    expect(peakConcurrency(await fs.readFile(log, 'utf8'))).toBe(3);
  });

  it('removes its fifo when the run ends, also after Ctrl-C', async () => {
    project = await makeProject();
    const flags = project.path('makeflags.txt');
    await project.write('jobs.mk', slowMakefile(project.path('jobs.log'), JOBS_PER_NODE, 5));
    await project.write('rootfs.config.ts', config(['a'], `${project.path('jobs.mk')}`, `echo "$MAKEFLAGS" > ${flags}; make -f`));
    const child = project.spawn(['run', 'a', '--jobs', '2']);
    for (let i = 0; i < 200 && !(await fs.access(project.path('jobs.log')).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    const fifo = /--jobserver-auth=fifo:(\S+)/.exec(await fs.readFile(flags, 'utf8'))![1]!;
    expect((await fs.stat(fifo)).isFIFO()).toBe(true);
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(130);
    await expect(fs.stat(fifo)).rejects.toThrow();
  });
});
