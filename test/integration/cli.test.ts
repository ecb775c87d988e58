import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type TestProject } from '../helpers/project.ts';

/** One clear paragraph, no stack trace. */
function expectCleanError(stderr: string): void {
  expect(stderr).toMatch(/^rootfs-engine: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr.trim().split('\n\n')).toHaveLength(1);
}

describe('CLI: bad configs give one paragraph and exit status 2', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject();
  });
  afterAll(async () => {
    await project.remove();
  });

  it('syntax error', async () => {
    await project.write('rootfs.config.ts', "import { defineConfig } from 'rootfs-engine';\nexport default defineConfig({ recipes: [ }\n");
    const result = await project.cli('list');
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr);
    expect(result.stderr).toContain('Could not load the config');
    expect(result.stderr).toContain('rootfs.config.ts:2:');
  });

  it('wrong type', async () => {
    await project.write(
      'rootfs.config.ts',
      "import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [defineRecipe({ name: 'x', version: 3 as unknown as string, phases: {} })] });\n",
    );
    const result = await project.cli('run', 'x');
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr);
    expect(result.stderr).toMatch(/recipes\[0\] \(x\)\.version: Expected string, received number/);
  });

  it('a cycle, with every member and its file', async () => {
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
const r = (name: string, deps: string[]) => defineRecipe({ name, version: '1', deps, phases: {} });
export default defineConfig({ recipes: [r('a', ['b']), r('b', ['c']), r('c', ['a'])] });
`,
    );
    const result = await project.cli('run', 'a');
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr);
    expect(result.stderr.replace(/\s+/g, ' ')).toContain('a@host -> b@host -> c@host -> a@host');
    expect(result.stderr.replace(/\s+/g, ' ')).toContain(`c@host is defined in ${project.path('rootfs.config.ts')}`);
  });

  it('an unknown dependency names the recipe and suggests a name', async () => {
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'zlib', version: '1', phases: {} }),
  defineRecipe({ name: 'curl', version: '1', deps: ['zlb'], phases: {} }),
] });
`,
    );
    const result = await project.cli('plan', 'curl');
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr);
    expect(result.stderr.replace(/\s+/g, ' ')).toMatch(/Recipe curl \(.*rootfs.config.ts\) depends on "zlb", but no recipe has that name. Did you mean "zlib"\?/);
    const goal = await project.cli('run', 'crul');
    expect(goal.exitCode).toBe(2);
    expect(goal.stderr).toContain('Did you mean "curl"?');
  });

  it('--offline fails at once and lists every missing source', async () => {
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
const src = (name: string, sha: string) => ({ urls: ['https://example.invalid/' + name + '-1.0.tar.gz'], sha256: sha });
export default defineConfig({ recipes: [
  defineRecipe({ name: 'a', version: '1.0', source: src('a', '${'a'.repeat(64)}'), phases: {} }),
  defineRecipe({ name: 'b', version: '1.0', deps: ['a'], source: src('b', '${'b'.repeat(64)}'), phases: {} }),
] });
`,
    );
    const result = await project.cli('run', 'b', '--offline');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Offline, and 2 source tarballs are not in the distfiles directory');
    expect(result.stderr).toContain(`a-1.0.tar.gz\n    sha256 ${'a'.repeat(64)}`);
    expect(result.stderr).toContain(`b-1.0.tar.gz\n    sha256 ${'b'.repeat(64)}`);
    const fetch = await project.cli('fetch', 'b', '--offline');
    expect(fetch.exitCode).toBe(1);
  });

  it('a missing config and a bad flag', async () => {
    const missing = await project.cli('list', '--config', 'nope.ts');
    expect(missing.exitCode).toBe(2);
    expectCleanError(missing.stderr);
    expect(missing.stderr).not.toContain('--build-type');
    // make-rootfs's CONFIG=Release habit: point at --build-type.
    const buildType = await project.cli('list', '--config', 'Release');
    expect(buildType.exitCode).toBe(2);
    expectCleanError(buildType.stderr);
    expect(buildType.stderr).toContain('use --build-type Release');
    const jobs = await project.cli('run', 'x', '--jobs', 'many');
    expect(jobs.exitCode).toBe(2);
  });
});

describe('CLI: inspecting a project', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject('basic');
  });
  afterAll(async () => {
    await project.remove();
  });

  it('--help works without a config', async () => {
    const result = await project.cli('--help');
    expect(result.exitCode).toBe(0);
    for (const command of ['run', 'plan', 'why', 'graph', 'list', 'show', 'clean']) expect(result.stdout).toContain(command);
  });

  it('list shows every recipe with version and license', async () => {
    const result = await project.cli('list');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/hello\s+1\.0\s+MIT/);
    expect(result.stdout).toMatch(/motd\s+1\.0\s+CC0-1\.0/);
    expect(result.stdout).toContain('all  everything');
  });

  it('show prints the resolved recipe', async () => {
    const result = await project.cli('show', 'hello');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('deps:       libgreet@host');
    expect(result.stdout).toContain('CFLAGS=-O2');
    expect(result.stdout).toContain(`make -f ${project.path('hello')}/Makefile SRC=${project.path('hello')} SYSROOT=${project.path('build/out/host')} install`);
    expect(result.stdout).toContain(`DESTDIR=${project.path('build/stage/host/hello')}`);
  });

  it('graph in dot, json and mermaid', async () => {
    const dot = await project.cli('graph', 'all', '--format', 'dot');
    expect(dot.stdout).toContain('"hello@host" -> "libgreet@host";');
    const json = JSON.parse((await project.cli('graph', 'all', '--format', 'json')).stdout) as { edges: Array<{ from: string; to: string }> };
    expect(json.edges).toEqual([{ from: 'hello@host', to: 'libgreet@host' }]);
    const mermaid = await project.cli('graph', 'all', '--format', 'mermaid');
    expect(mermaid.stdout).toMatch(/^graph LR/);
    expect(mermaid.stdout).toMatch(/n\d --> n\d/);
  });

  it('run --dry-run prints the plan and builds nothing', async () => {
    const result = await project.cli('run', 'all', '--dry-run');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Plan: 3 of 3 nodes to run');
    const plan = await project.cli('plan', 'hello');
    expect(plan.stdout).toMatch(/run\s+libgreet@host\s+never built/);
  });
});
