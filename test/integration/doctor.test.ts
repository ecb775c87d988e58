import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, REPO, makeProject, type TestProject } from '../helpers/project.ts';

/** A directory of symlinks to every program of `from`, except `without`. */
async function toolDir(root: string, from: readonly string[], without: readonly string[]): Promise<string> {
  await fs.mkdir(root, { recursive: true });
  for (const dir of from) {
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (without.includes(name)) continue;
      await fs.symlink(path.join(dir, name), path.join(root, name)).catch(() => undefined);
    }
  }
  return root;
}

/** The config of a project whose place PATH is `pathDir` alone, with a recipe that needs bison. */
function configFor(pathDir: string): string {
  return `import { defineConfig, defineRecipe } from 'rootfs-engine';
export default defineConfig({
  recipes: [
    defineRecipe({ name: 'parser', version: '1.0', license: 'MIT', tools: ['bison', 'make'], phases: { build: () => 'bison --version' } }),
    defineRecipe({ name: 'plain', version: '1.0', license: 'MIT', tools: ['make'], phases: { build: () => 'true' } }),
  ],
  places: [{ name: 'host', env: { PATH: ${JSON.stringify(pathDir)} } }],
});
`;
}

describe('doctor', () => {
  let project: TestProject;
  let tools = '';
  beforeAll(async () => {
    project = await makeProject();
    tools = await toolDir(project.path('tools'), ['/usr/bin', '/bin'], ['bison']);
    await project.write('rootfs.config.ts', configFor(tools));
  });
  afterAll(async () => {
    await project.remove();
  });

  it('names the missing tool, its package and the apt-get line, and exits 1', async () => {
    const result = await project.cli('doctor', 'parser');
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^MISSING +bison +Debian package bison +for parser@host$/m);
    expect(result.stdout).toMatch(new RegExp(`^ok +make +\\d+\\.\\d+\\S* ${tools}/make +for parser@host$`, 'm'));
    expect(result.stdout).toMatch(/^ok +Node\.js +\d+\.\d+\.\d+ \(package\.json wants >=/m);
    expect(result.stdout).toContain('\n  apt-get install -y bison\n');
    expect(result.stdout).toContain('1 required check fails: bison.');
  });

  it('run stops on the same missing tool and points at doctor', async () => {
    const result = await project.cli('run', 'parser');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`parser@host needs bison on PATH (${tools})`);
    expect(result.stderr).toContain('`rootfs-engine doctor parser@host`, with this run\'s options, names their Debian packages');
  });

  it('checks only what the goals need', async () => {
    const result = await project.cli('doctor', 'plain');
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('bison');
    expect(result.stdout).not.toContain('apt-get install');
    expect(result.stdout).toContain('Everything required is there.');
  });

  it('--fix without a terminal and without --yes refuses, installing nothing', async () => {
    const result = await project.cli('doctor', 'parser', '--fix');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^rootfs-engine: doctor --fix would run `apt-get install -y bison`, but there is no terminal to ask/);
    expect(result.stderr).toContain('--yes');
  });

  it.skipIf(!process.env['CI'] && !existsSync('/usr/bin/script'))('--fix on a terminal asks first, and installs nothing on "n"', async () => {
    const fake = project.path('fake-ask');
    const record = project.path('apt-args-ask');
    await fs.mkdir(fake, { recursive: true });
    await fs.writeFile(path.join(fake, 'apt-get'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\n`, { mode: 0o755 });
    // util-linux's script(1) gives the command a pseudo-terminal; our answer goes through it.
    const run = await execa('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} doctor parser --fix`, '/dev/null'], {
      cwd: project.dir,
      reject: false,
      input: 'n\n',
      env: { PATH: `${fake}:${process.env['PATH'] ?? ''}` },
    });
    expect(String(run.stdout)).toContain('Run `apt-get install -y bison` now? [y/N]');
    expect(String(run.stdout)).toContain('Nothing installed.');
    expect(run.exitCode).toBe(1);
    expect(existsSync(record)).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('--fix --yes runs apt-get with the missing packages, then checks again', async () => {
    const fake = project.path('fake-bin');
    const record = project.path('apt-args');
    await fs.mkdir(fake, { recursive: true });
    // A stand-in for apt-get that records its arguments and "installs" bison.
    await fs.writeFile(
      path.join(fake, 'apt-get'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\nprintf '#!/bin/sh\\necho "bison (GNU Bison) 3.8.2"\\n' > ${tools}/bison\nchmod +x ${tools}/bison\n`,
      { mode: 0o755 },
    );
    const run = await execa(process.execPath, [CLI, 'doctor', 'parser', '--fix', '--yes'], {
      cwd: project.dir,
      reject: false,
      stdin: 'ignore',
      env: { PATH: `${fake}:${process.env['PATH'] ?? ''}` },
    });
    expect((await fs.readFile(record, 'utf8')).trim().split('\n')).toEqual(['install', '-y', 'bison']);
    expect(run.exitCode, String(run.stdout) + String(run.stderr)).toBe(0);
    const again = String(run.stdout).split('Checking again:')[1] ?? '';
    expect(again).toMatch(/^ok +bison +3\.8\.2 /m);
    expect(again).toContain('Everything required is there.');
    await fs.rm(path.join(tools, 'bison'));
  });
});

describe('doctor on the project config', () => {
  let llvm = '';
  beforeAll(async () => {
    llvm = await toolDir(await fs.mkdtemp(path.join(os.tmpdir(), 'doctor-llvm-')), ['/usr/lib/llvm-19/bin'], ['ld.lld']);
  });
  afterAll(async () => {
    await fs.rm(llvm, { recursive: true, force: true });
  });

  it.skipIf(!process.env['CI'] && !existsSync('/usr/lib/llvm-19/bin/clang'))(
    'reports a host LLVM without ld.lld with its package, instead of failing to resolve the places',
    async () => {
      const build = await fs.mkdtemp(path.join(os.tmpdir(), 'doctor-build-'));
      const result = await execa(process.execPath, [CLI, '-B', build, 'doctor', 'rootfs', '--toolchain', 'host', '--target', 'aarch64-linux-musl'], {
        cwd: REPO,
        reject: false,
        stdin: 'ignore',
        env: { ROOTFS_ENGINE_HOST_LLVM: llvm },
      });
      await fs.rm(build, { recursive: true, force: true });
      expect(result.exitCode, String(result.stderr)).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^MISSING +ld\\.lld +Debian package lld-19 +for aarch64-linux-musl: the host LLVM \\(${llvm}\\)$`, 'm'));
      // The LLVM tools count only from that one directory: Debian's older llvm-ar in /usr/bin does not.
      expect(result.stdout).toMatch(new RegExp(`^ok +llvm-ar +19\\.\\S+ ${llvm}/llvm-ar `, 'm'));
      expect(result.stdout).toMatch(/^ok +clang +19\./m);
      expect(result.stdout).toMatch(/^\S+ +mke2fs .*for rootfs@aarch64-linux-musl$/m);
      expect(result.stdout).toMatch(/^\S+ +qemu-aarch64-static .*for aarch64-linux-musl: running aarch64-linux-musl programs/m);
      expect(result.stdout).toMatch(/^\S+ +qemu-system-aarch64 .*for boot: aarch64-linux-musl$/m);
      // .tar.xz sources need xz (the list names the first four nodes alphabetically, then "and N more").
      expect(result.stdout).toMatch(/^\S+ +xz .*for ca-certificates@aarch64-linux-musl \(source\), compiler-rt-builtins@aarch64-linux-musl \(source\), .*\(source\)/m);
      // openssl answers `version`, not --version.
      expect(result.stdout).toMatch(/^ok +openssl +3\.\d+\.\d+ /m);
      expect(result.stdout).toMatch(/^  apt-get install -y lld-19( |$)/m);
    },
  );
});
