import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { builtNodes, makeProject, restoredNodes, type TestProject } from '../helpers/project.ts';

describe('check: a package’s own test suite', () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject('basic');
  });
  afterEach(async () => {
    await project.remove();
  });

  const checkLog = (dir: string): string => path.join(dir, 'build', 'log', 'host', 'hello', 'check.log');

  it('builds what is missing, runs the check phase between build and install, and says it passed', async () => {
    const check = await project.cli('check', 'hello');
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(builtNodes(check.stdout)).toEqual(['hello@host', 'libgreet@host']);
    expect(check.stdout).toContain(`The test suite of hello@host passed (log: ${checkLog(project.dir)})`);
    expect(await fs.readFile(checkLog(project.dir), 'utf8')).toContain('./hello tester');
    // `run` never runs the check phase, and the checked build is what run sees as up to date.
    const run = await project.cli('run', 'hello');
    expect(run.stdout).toMatch(/0 built, 2 up to date/);
  });

  it('re-checks an up-to-date build in place, without rebuilding it', async () => {
    expect((await project.cli('run', 'hello')).exitCode).toBe(0);
    await fs.rm(checkLog(project.dir), { force: true });
    const check = await project.cli('check', 'hello');
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(builtNodes(check.stdout)).toEqual([]);
    expect(await fs.readFile(checkLog(project.dir), 'utf8')).toContain('./hello tester');
  });

  it('rebuilds (never restores) a node whose build is only in the artifact cache', async () => {
    expect((await project.cli('run', 'hello')).exitCode).toBe(0);
    expect((await project.cli('clean')).exitCode).toBe(0);
    const check = await project.cli('check', 'hello');
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(restoredNodes(check.stdout)).toEqual(['libgreet@host']);
    expect(builtNodes(check.stdout)).toEqual(['hello@host']);
  });

  it('a failing suite fails the command with its log, and keeps the installed build', async () => {
    expect((await project.cli('run', 'hello')).exitCode).toBe(0);
    // The check phase is not part of the key: the build stays up to date.
    await project.edit('rootfs.config.ts', (text) => text.replace('grep -q "Hello, tester!"', 'grep -q "Goodbye"'));
    const check = await project.cli('check', 'hello');
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain('The test suite of hello@host failed: `./hello tester | grep -q "Goodbye"` exited with status 1.');
    expect(check.stderr).toContain('The build itself succeeded and stays installed.');
    expect(check.stderr).not.toMatch(/\n\s+at /);
    await fs.access(path.join(project.dir, 'build', 'out', 'host', 'usr', 'bin', 'hello'));
    expect((await project.cli('run', 'hello')).stdout).toMatch(/0 built, 2 up to date/);
  });

  it('refuses a recipe without a test suite before building anything', async () => {
    const check = await project.cli('check', 'motd');
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toContain('motd@host has no test suite to run: its recipe');
    expect(check.stderr).toContain('has no check phase');
    await expect(fs.access(path.join(project.dir, 'build', 'out'))).rejects.toThrow();
  });

  it('list marks the recipes with a test suite and where each is known to build', async () => {
    await project.edit('rootfs.config.ts', (text) => text.replace("recipes: [libgreet, hello, motd],", "recipes: [libgreet, hello, motd],\n  knownBuilds: { motd: ['elsewhere'] },"));
    expect((await project.cli('run', 'hello')).exitCode).toBe(0);
    const list = await project.cli('list');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+VERSION\s+LICENSE\s+CHECK\s+DESCRIPTION$/m);
    expect(list.stdout).toMatch(/^hello\s+1\.0\s+MIT\s+yes\s+prints a greeting/m);
    expect(list.stdout).toMatch(/^motd\s+1\.0\s+CC0-1\.0\s+-\s+message of the day/m);
    expect(list.stdout).toMatch(/^hello .*\n\s+built here for: host$/m);
    expect(list.stdout).toMatch(/^motd .*\n\s+known to build for: elsewhere$/m);
    expect(list.stdout).not.toMatch(/^motd .*\n\s+built here/m);
  });
});
