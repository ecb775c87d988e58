import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, type TestProject } from '../helpers/project.ts';

describe('why', () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject('basic');
  });
  afterEach(async () => {
    await project.remove();
  });

  it("shows a node's own changes even when a dependency rebuilds first, and whether the cache has its key", async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    await project.edit('rootfs.config.ts', (text) => text.replace("CFLAGS: '-O2'", "CFLAGS: '-O1'"));
    const why = await project.cli('why', 'hello');
    expect(why.exitCode, why.stderr).toBe(0);
    expect(why.stdout).toContain('- dependency will be rebuilt first (libgreet@host)');
    expect(why.stdout).toContain('  libgreet@host: environment changed (CFLAGS; set by the recipe or its place)');
    expect(why.stdout).toMatch(/Its own inputs changed too:\n- environment changed \(CFLAGS; set by the recipe or its place\)\n {2}env\.CFLAGS:\n {4}before: -O2\n {4}after: {2}-O1/);

    const motd = await project.cli('why', 'motd');
    expect(motd.stdout).toMatch(/has no build of this key\./);
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    // Back to -O2: the first build of that key is in the artifact cache.
    await project.edit('rootfs.config.ts', (text) => text.replace("CFLAGS: '-O1'", "CFLAGS: '-O2'"));
    const back = await project.cli('why', 'motd');
    expect(back.stdout).toMatch(/has a build of this key \(from .*\): run restores it instead of building\./);
    expect((await project.cli('--no-cache', 'why', 'motd')).stdout).toContain('The artifact cache is off (--no-cache)');
  });

  it('names a build type change', async () => {
    expect((await project.cli('run', 'motd')).exitCode).toBe(0);
    const why = await project.cli('--build-type', 'Debug', 'why', 'motd');
    expect(why.stdout).toContain('- build type changed (Release -> Debug)');
    expect(why.stdout).toMatch(/buildType:\n {4}before: Release\n {4}after: {2}Debug/);
  });
});
