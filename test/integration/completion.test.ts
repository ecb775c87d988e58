import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, makeProject, type TestProject } from '../helpers/project.ts';

function hasShell(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

describe('completion', () => {
  let project: TestProject;
  let bin = '';
  let env: Record<string, string> = {};
  beforeAll(async () => {
    project = await makeProject('basic');
    // The scripts run the program by the name typed: put a `rootfs-engine` on PATH.
    bin = project.path('bin');
    await fs.mkdir(bin);
    await fs.writeFile(path.join(bin, 'rootfs-engine'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
    env = { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    await project.write('completion.bash', (await project.cli('completion', 'bash')).stdout);
    await project.write('completion.zsh', (await project.cli('completion', 'zsh')).stdout);
  });
  afterAll(async () => {
    await project.remove();
  });

  /** What bash completes for a command line whose last word is being typed. */
  async function bashComplete(...words: string[]): Promise<string[]> {
    const script = `source ./completion.bash
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_rootfs_engine
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = await execa('bash', ['-c', script], { cwd: project.dir, env });
    return result.stdout.split('\n').filter(Boolean);
  }

  it('bash: the script parses', async () => {
    expect((await execa('bash', ['-n', project.path('completion.bash')], { reject: false })).exitCode).toBe(0);
  });

  it('bash: commands, options, option values, config names and shells', async () => {
    expect(await bashComplete('rootfs-engine', 'ru')).toEqual(['run']);
    expect(await bashComplete('rootfs-engine', 'd')).toEqual(['doctor']);
    expect(await bashComplete('rootfs-engine', '--toolchain', 'host', 'sb')).toEqual(['sbom']);
    expect(await bashComplete('rootfs-engine', 'run', '--kee')).toEqual(['--keep-going']);
    expect(await bashComplete('rootfs-engine', 'doctor', '--')).toEqual(expect.arrayContaining(['--fix', '--yes', '--target', '--toolchain']));
    expect(await bashComplete('rootfs-engine', 'graph', '-f', '')).toEqual(['dot', 'json', 'mermaid']);
    expect(await bashComplete('rootfs-engine', 'sbom', '--format', '')).toEqual(['spdx', 'cyclonedx']);
    // Names come from the config at completion time, not from the script.
    expect(await bashComplete('rootfs-engine', 'run', '')).toEqual(['all', 'hello', 'libgreet', 'motd']);
    expect(await bashComplete('rootfs-engine', '-C', 'rootfs.config.ts', 'plan', 'he')).toEqual(['hello']);
    expect(await bashComplete('rootfs-engine', 'completion', '')).toEqual(['bash', 'zsh']);
    expect(await bashComplete('rootfs-engine', 'help', 'gr')).toEqual(['graph']);
    await project.edit('rootfs.config.ts', (text) => text.replace("name: 'motd'", "name: 'motd2'"));
    expect(await bashComplete('rootfs-engine', 'run', 'mo')).toEqual(['motd2']);
    await project.edit('rootfs.config.ts', (text) => text.replace("name: 'motd2'", "name: 'motd'"));
  });

  it('list --names prints recipes and goals, one a line, and is not in the help', async () => {
    const names = await project.cli('list', '--names');
    expect(names.stdout.split('\n')).toEqual(['all', 'hello', 'libgreet', 'motd']);
    expect((await project.cli('list', '--help')).stdout).not.toContain('--names');
  });

  it.skipIf(!process.env['CI'] && !hasShell('zsh'))('zsh: the script parses, loads after compinit and lists commands and names', async () => {
    expect((await execa('zsh', ['-n', project.path('completion.zsh')], { reject: false })).exitCode).toBe(0);
    // _describe and compadd are stubbed to print what they were given.
    const script = `autoload -U compinit && compinit -u -d "$PWD/.zcompdump"
source ./completion.zsh || exit 3
_describe() { print -l -- \${(P)\${@[-1]}} }
compadd() { print -l -- \${(P)\${@[-1]}} }
_wanted() { shift 3; "$@" }
_rootfs_engine_commands
words=(rootfs-engine run he)
_rootfs_engine_names`;
    const result = await execa('zsh', ['-f', '-c', script], { cwd: project.dir, env, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('run:build the goals (recipes, named goals or recipe@place nodes)');
    expect(lines.some((l) => l.startsWith('sbom:'))).toBe(true);
    expect(lines.some((l) => l.startsWith('doctor:'))).toBe(true);
    expect(lines.slice(-4)).toEqual(['all', 'hello', 'libgreet', 'motd']);
  });
});
