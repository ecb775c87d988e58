import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import { builtNodes, makeProject, type TestProject } from '../helpers/project.ts';

describe('incremental builds of real C fixtures', () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject('basic');
  });
  afterEach(async () => {
    await project.remove();
  });

  it('builds everything, then nothing on a second run', async () => {
    const first = await project.cli('run', 'all');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(builtNodes(first.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    const hello = await execa(project.path('build/out/host/usr/bin/hello'), ['tests']);
    expect(hello.stdout).toBe('Hello, tests!');
    expect(await project.read('build/out/host/etc/motd')).toContain('| Welcome');

    const second = await project.cli('run', 'all');
    expect(second.exitCode).toBe(0);
    expect(builtNodes(second.stdout)).toEqual([]);
    expect(second.stdout).toMatch(/0 built, 3 up to date/);
  });

  it('does nothing after a touch that changes no content', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(project.path('libgreet/greet.c'), later, later);
    await fs.utimes(project.path('hello/hello.c'), later, later);
    const again = await project.cli('run', 'all');
    expect(builtNodes(again.stdout)).toEqual([]);
  });

  it('rebuilds exactly the nodes whose inputs changed', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    await project.edit('hello/hello.c', (text) => text.replace('"world"', '"planet"'));
    const plan = await project.cli('plan', 'all');
    expect(plan.stdout).toMatch(/run\s+hello@host\s+source changed \(hello\.c\)/);
    expect(plan.stdout).toMatch(/fresh libgreet@host/);
    const run = await project.cli('run', 'all');
    expect(builtNodes(run.stdout)).toEqual(['hello@host']);
    expect((await execa(project.path('build/out/host/usr/bin/hello'))).stdout).toBe('Hello, planet!');
  });

  it('cuts off early when a rebuild produces identical output', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    // A comment changes the source but not the object code, so libgreet.a is identical.
    await project.edit('libgreet/greet.c', (text) => `/* a comment */\n${text}`);
    const run = await project.cli('run', 'all');
    expect(run.exitCode).toBe(0);
    expect(builtNodes(run.stdout)).toEqual(['libgreet@host']);
    expect(run.stdout).toMatch(/libgreet@host \([\d.]+ s, output unchanged\)/);
    expect(run.stdout).toMatch(/1 built, 2 up to date/);

    // A real change rebuilds the dependent too.
    await project.edit('libgreet/greet.c', (text) => text.replace('Hello, %s!', 'Hi, %s!'));
    const again = await project.cli('run', 'all');
    expect(builtNodes(again.stdout)).toEqual(['hello@host', 'libgreet@host']);
    expect((await execa(project.path('build/out/host/usr/bin/hello'))).stdout).toBe('Hi, world!');
  });

  it('rebuilds when the recipe changes and says which field', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    await project.edit('rootfs.config.ts', (text) => text.replace("CFLAGS: '-O2'", "CFLAGS: '-O1'"));
    const why = await project.cli('why', 'libgreet');
    expect(why.exitCode).toBe(0);
    expect(why.stdout).toContain('environment changed (CFLAGS; set by the recipe or its place)');
    expect(why.stdout).toContain('before: -O2');
    expect(why.stdout).toContain('after:  -O1');
    await project.edit('rootfs.config.ts', (text) =>
      text.replace("CFLAGS: '-O1'", "CFLAGS: '-O2'").replace("version: '1.0',\n  license: 'CC0-1.0'", "version: '1.1',\n  license: 'CC0-1.0'"),
    );
    const plan = await project.cli('plan', 'all');
    expect(plan.stdout).toMatch(/run\s+motd@host\s+recipe changed \(version\)/);
    expect(plan.stdout).toMatch(/fresh libgreet@host/);
  });

  it('removes files a rebuilt node no longer installs, and clean removes exactly a node\'s files', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    await project.edit('libgreet/Makefile', (text) => text.replace(/\n\tinstall -D -m 644 \$\(SRC\)\/greet.h.*\n/, '\n'));
    await project.edit('hello/Makefile', (text) => text.replace('-I$(SYSROOT)/usr/include', `-I${project.path('libgreet')}`));
    const run = await project.cli('run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    await expect(fs.access(project.path('build/out/host/usr/include/greet.h'))).rejects.toThrow();
    await expect(fs.access(project.path('build/out/host/usr/include'))).rejects.toThrow();

    const clean = await project.cli('clean', 'hello');
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain('Cleaned hello@host (1 installed file removed)');
    await expect(fs.access(project.path('build/out/host/usr/bin/hello'))).rejects.toThrow();
    await fs.access(project.path('build/out/host/usr/lib/libgreet.a'));
    await fs.access(project.path('build/out/host/etc/motd'));
    const plan = await project.cli('plan', 'all');
    expect(plan.stdout).toMatch(/run\s+hello@host\s+never built/);
  });
});
