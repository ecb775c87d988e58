/**
 * Meson (issue #7), host toolchain profile: installed for the place's python 3.13
 * for x86_64-linux-musl and i386-linux-musl (run on the host), aarch64-linux-musl
 * and armv7-linux-musleabihf (run under qemu-user). A world test because it needs
 * the python recipe (a cold python build is many minutes; meson's own build takes
 * seconds).
 *
 * Proves: the mesonbuild package is in the target's site-packages, byte-compiled
 * for 3.13, and nothing installed names the build machine's paths; /usr/bin/meson
 * is a script for the target's /usr/bin/python3, and runs as one inside the
 * installed tree (chroot); the target's python runs `meson --version` and
 * `meson setup`; on x86_64, meson configures a tiny C project (the host's clang
 * with the place's flags, a configure_file), our ninja builds it, the program
 * runs and `meson test` passes; its python module (patched to work without
 * distutils) finds the target's python.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { deriveFlags } from '../../sysroot/flags.ts';
import { whyProgramsCannotRun } from '../../sysroot/run-programs.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'i386-linux-musl', 'armv7-linux-musleabihf'] as const;
const VERSION = '1.0.1';
const SITE = 'usr/lib/python3.13/site-packages';

/** Runs must not write .pyc files into the out tree (files no manifest lists). */
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

const C_PROJECT = {
  'meson.build': [
    "project('tiny', 'c', version: '2.5')",
    'conf = configuration_data()',
    "conf.set_quoted('GREETING', 'hello from meson')",
    "conf.set('ANSWER', 42)",
    "conf.set_quoted('VERSION', meson.project_version())",
    "configure_file(output: 'config.h', configuration: conf)",
    "greet = static_library('greet', 'greet.c')",
    "exe = executable('tiny', 'main.c', link_with: greet)",
    "test('says hello', exe, args: ['world'])",
    // No argument: the program fails, which this test expects.
    "test('refuses no name', exe, should_fail: true)",
    '',
  ].join('\n'),
  'greet.c': '#include <stdio.h>\n#include "config.h"\nvoid greet(const char *name) { printf("%s, %s (%d, %s)\\n", GREETING, name, ANSWER, VERSION); }\n',
  'main.c': 'void greet(const char *name);\nint main(int argc, char **argv) { if (argc < 2) return 1; greet(argv[1]); return 0; }\n',
};

/** A project with no languages, using the python module: what runs under qemu-user too. */
const NO_LANGUAGES = "project('x')\nmessage('configured', meson.version())\n";
const PYTHON_MODULE = "project('py')\npy = import('python').find_installation()\nmessage('python', py.language_version(), py.get_install_dir())\n";

/** Every file under dir, recursively (relative paths). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

async function writeProject(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
}

/** Our ninja for the build machine if the run built it (the x86_64 place's), else the host's. */
function buildMachineNinja(): string {
  const ours = path.join(E2E_BUILD, 'out', 'x86_64-linux-musl', 'usr/bin/ninja');
  return existsSync(ours) ? ours : 'ninja';
}

describe.sequential('meson, for the target python, host toolchain', { timeout: 4 * 60 * 60_000 }, () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const dir of work) await fs.rm(dir, { recursive: true, force: true });
  });

  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const python = path.join(out, 'usr/bin/python3');
    const meson = path.join(out, 'usr/bin/meson');
    let tmp = '';

    it(`${triple}: installs mesonbuild in site-packages, byte-compiled, and a meson script for /usr/bin/python3`, async () => {
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), `meson-${triple}-`));
      work.push(tmp);
      const started = Date.now();
      // ninja too: the x86_64 project below is built with it, and meson runs it under qemu.
      const run = await engine(['run', 'meson', 'ninja', '--target', triple, '--toolchain', 'host'], undefined, 4 * 60 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`meson for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/Done in [^\n]*/)?.[0] ?? 'no summary'})`);
      const script = await fs.readFile(meson, 'utf8');
      expect(script.split('\n')[0]).toBe('#!/usr/bin/python3');
      expect(script).toContain('from mesonbuild.mesonmain import main');
      expect((await fs.stat(meson)).mode & 0o111).not.toBe(0);
      const files = await filesUnder(path.join(out, SITE, 'mesonbuild'));
      expect(files).toContain('mesonmain.py');
      expect(files).toContain('__pycache__/mesonmain.cpython-313.pyc');
      // Package data setuptools would install with it.
      expect(files).toContain('dependencies/data/CMakeLists.txt');
      expect(files.filter((file) => file.endsWith('.py')).length).toBeGreaterThan(200);
      // Nothing installed names the build root (the .pyc files' source paths are the installed ones).
      for (const file of [...files.map((file) => path.join(out, SITE, 'mesonbuild', file)), meson]) {
        expect((await fs.readFile(file)).includes(E2E_BUILD), file).toBe(false);
      }
      // No manual page: make-rootfs purges /usr/share/man from every install.
      await expect(fs.access(path.join(out, 'usr/share/man/man1/meson.1'))).rejects.toThrow();
    });

    it(`${triple}: the target python runs meson --version`, async () => {
      const version = await expectOk(runIn(triple, python, [meson, '--version'], { env: NO_BYTECODE }));
      expect(version.trim()).toBe(VERSION);
    });

    it.skipIf(process.getuid?.() !== 0)(`${triple}: /usr/bin/meson runs by its shebang inside the installed tree (chroot)`, async () => {
      // A foreign target's python runs in the chroot only through binfmt_misc's qemu-user.
      const cannot = await whyProgramsCannotRun(target);
      if (cannot !== undefined) {
        console.log(`skipped the chroot run: ${cannot}`);
        return;
      }
      const ran = await execa('chroot', [out, '/usr/bin/meson', '--version'], { reject: false, env: NO_BYTECODE });
      expect(ran.exitCode, ran.stderr).toBe(0);
      expect(ran.stdout.trim()).toBe(VERSION);
    });

    it(`${triple}: meson setup configures a project without languages for ninja`, async () => {
      const source = path.join(tmp, 'x');
      await writeProject(source, { 'meson.build': NO_LANGUAGES });
      const build = path.join(tmp, 'x-build');
      const ninja = buildMachineNinja();
      const setup = await expectOk(runIn(triple, python, [meson, 'setup', build, source], { env: { ...NO_BYTECODE, NINJA: ninja } }));
      expect(setup).toContain(`Message: configured ${VERSION}`);
      expect(setup).toMatch(/Build targets in project: 0/);
      expect(setup).toMatch(/Found ninja-1\.\d+\.\d+ at /);
      expect((await fs.stat(path.join(build, 'build.ninja'))).isFile()).toBe(true);
      expect((await execa(ninja, ['-C', build])).stdout).toMatch(/no work to do/);
    });
  }

  it('x86_64-linux-musl: the python module finds the target python (no distutils in 3.13)', async () => {
    const triple = 'x86_64-linux-musl';
    const out = path.join(E2E_BUILD, 'out', triple);
    const source = path.join(work[0]!, 'py');
    await writeProject(source, { 'meson.build': PYTHON_MODULE });
    const setup = await expectOk(
      runIn(triple, path.join(out, 'usr/bin/python3'), [path.join(out, 'usr/bin/meson'), 'setup', path.join(work[0]!, 'py-build'), source], { env: { ...NO_BYTECODE, NINJA: buildMachineNinja() } }),
    );
    expect(setup).toContain(`Program python3 found: YES (${path.join(out, 'usr/bin/python3')})`);
    // sysconfig's purelib under meson's default prefix (/usr/local).
    expect(setup).toContain('Message: python 3.13 /usr/local/lib/python3.13/site-packages/');
  });

  it('x86_64-linux-musl: configures, builds with our ninja and tests a tiny C project', async () => {
    const triple = 'x86_64-linux-musl';
    const out = path.join(E2E_BUILD, 'out', triple);
    const python = path.join(out, 'usr/bin/python3');
    const meson = path.join(out, 'usr/bin/meson');
    const ninja = path.join(out, 'usr/bin/ninja');
    const toolchain = await findHostToolchain();
    const flags = deriveFlags({ target: TARGETS[triple]!, sysroot: out, resourceDir: path.join(out, 'usr/lib/clang-resource', toolchain.major), buildType: 'Release', stage1: false });
    const source = path.join(work[0]!, 'tiny');
    await writeProject(source, C_PROJECT);
    const build = path.join(work[0]!, 'tiny-build');
    const env = {
      ...NO_BYTECODE,
      NINJA: ninja,
      CC: path.join(toolchain.binDir, 'clang'),
      AR: path.join(toolchain.binDir, 'llvm-ar'),
      CFLAGS: flags.cflags.join(' '),
      LDFLAGS: flags.ldflags.join(' '),
    };
    const setup = await expectOk(runIn(triple, python, [meson, 'setup', build, source], { env }));
    expect(setup).toMatch(/C compiler for the host machine: .*clang/);
    expect(setup).toContain(`Found ninja-1.13.2 at ${ninja}`);
    expect(setup).toContain('Configuring config.h using configuration');
    expect(await fs.readFile(path.join(build, 'config.h'), 'utf8')).toContain('#define GREETING "hello from meson"');
    const built = await expectOk(runIn(triple, ninja, ['-C', build], { env }));
    expect(built).toMatch(/Linking target tiny/);
    const tiny = path.join(build, 'tiny');
    expect(await expectOk(runIn(triple, tiny, ['meson']))).toBe('hello from meson, meson (42, 2.5)');
    const tested = await expectOk(runIn(triple, python, [meson, 'test', '-C', build], { env }));
    expect(tested).toMatch(/says hello\s+OK/);
    expect(tested).toMatch(/refuses no name\s+EXPECTEDFAIL/);
    expect(tested).toMatch(/^Ok:\s+1\s*$/m);
    expect(tested).toMatch(/^Expected Fail:\s+1\s*$/m);
    expect(tested).toMatch(/^Fail:\s+0\s*$/m);
    // A second build is a no-op.
    expect(await expectOk(runIn(triple, ninja, ['-C', build], { env }))).toMatch(/no work to do/);
  });
});
