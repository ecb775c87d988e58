/**
 * A place's command sandbox and tool providers (PlaceDefinition.sandbox and
 * toolNodes), the engine side of stage4, with a sandbox that only marks commands:
 * every phase command goes through wrap(), the tool check looks where hostPath()
 * says, cleanup runs, and a tool's provider node is a dependency of its users.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { builtNodes, makeProject, type TestProject } from '../helpers/project.ts';

const CONFIG = String.raw`
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defineConfig, defineRecipe, type CommandSandbox } from 'rootfs-engine';

const projectDir = path.dirname(new URL(import.meta.url).pathname);
const fakeBin = path.join(projectDir, 'fakebin');

const markingSandbox: CommandSandbox = {
  description: 'inside the test box',
  hostPath: (inside) => (inside.startsWith('/opt/box-bin/') ? path.join(fakeBin, path.basename(inside)) : undefined),
  wrap: async (request) => {
    if (process.env['BOX_BROKEN']) throw new Error('the box is broken');
    return {
    argv: ['/usr/bin/env', 'SANDBOX_MARK=inside the box', ...request.argv],
    env: { ...request.env, PATH: '/usr/bin:/bin', SHARED: request.sharedDirs.join(' ') },
    cleanup: async () => {
      await fs.appendFile(path.join(projectDir, 'cleanups'), 'x');
    },
    };
  },
};

export default defineConfig({
  recipes: [
    defineRecipe({
      name: 'provider',
      version: '1',
      phases: { install: (ctx) => 'mkdir -p ' + ctx.dirs.dest + '/usr/share && echo provider-v1 > ' + ctx.dirs.dest + '/usr/share/provider' },
    }),
    defineRecipe({
      name: 'user',
      version: '1',
      tools: ['box-tool'],
      phases: {
        build: () => 'echo "$SANDBOX_MARK" > mark && echo "$SHARED" > shared',
        install: (ctx) => 'mkdir -p ' + ctx.dirs.dest + '/usr/share && cp mark shared ' + ctx.dirs.dest + '/usr/share/',
      },
    }),
  ],
  places: (name) =>
    name === 'plain'
      ? { name: 'plain' }
      : name === 'boxed'
        ? {
            name: 'boxed',
            env: { PATH: '/opt/box-bin:/usr/bin:/bin' },
            sandbox: markingSandbox,
            toolNodes: (tools) => (tools.includes('box-tool') ? ['provider@plain'] : []),
          }
        : undefined,
  defaultPlace: 'boxed',
});
`;

describe('place sandbox and tool providers', () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject();
    await project.write('rootfs.config.ts', CONFIG);
    await project.write('fakebin/box-tool', '#!/bin/sh\n');
    await fs.chmod(project.path('fakebin/box-tool'), 0o755);
  });
  afterEach(async () => {
    await project.remove();
  });

  it('runs every phase command through the sandbox and depends on the tool provider', async () => {
    const run = await project.cli('run', 'user');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(builtNodes(run.stdout)).toEqual(['provider@plain', 'user@boxed']);
    expect((await project.read('build/out/boxed/usr/share/mark')).trim()).toBe('inside the box');
    // The build root is shared with the sandbox (the source tree lives inside it here).
    expect((await project.read('build/out/boxed/usr/share/shared')).trim()).toBe(project.buildDir);
    // One cleanup per command: build (2 commands in one string = 1) and install (1).
    expect(await project.read('cleanups')).toBe('xx');
    // The provider is not sandboxed: its place has no sandbox.
    expect((await project.read('build/out/plain/usr/share/provider')).trim()).toBe('provider-v1');

    // A changed provider rebuilds its users.
    await project.edit('rootfs.config.ts', (text) => text.replace('provider-v1', 'provider-v2'));
    const again = await project.cli('run', 'user');
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(builtNodes(again.stdout)).toEqual(['provider@plain', 'user@boxed']);
  });

  it('looks tools up where the sandbox says, and names the sandbox when one is missing', async () => {
    await fs.rm(project.path('fakebin/box-tool'));
    const run = await project.cli('run', 'user');
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('user@boxed needs box-tool on PATH (/opt/box-bin:/usr/bin:/bin) inside the test box, and it is not there.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Nothing ran inside, and the provider that did build stays built.
    await expect(fs.access(project.path('cleanups'))).rejects.toThrow();
    expect((await project.read('build/out/plain/usr/share/provider')).trim()).toBe('provider-v1');
  });

  it('names the place when a tool provider it adds is not a recipe', async () => {
    await project.edit('rootfs.config.ts', (text) => text.replace("['provider@plain']", "['nosuch@plain']"));
    const run = await project.cli('run', 'user');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('Place boxed makes user@boxed depend on "nosuch"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails the node with a message when the sandbox cannot wrap a command', async () => {
    const run = await project.spawn(['run', 'user'], { BOX_BROKEN: '1' });
    expect(run.exitCode).toBe(1);
    expect(String(run.stderr)).toContain('could not start: inside the test box: the box is broken');
    expect(String(run.stderr)).not.toMatch(/\n\s+at /);
  });
});
