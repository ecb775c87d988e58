/**
 * stage4 with the host toolchain profile: musl and the Linux headers built inside
 * the stage3 tree (user namespaces, the tree's programs, the host clang made
 * stage3's native compiler), and what a stage4 command sees there. The rest of
 * stage4 needs cmake, ninja and python in stage3 for the builtins, which CI does
 * not build cold: `npm run test:world` (test/world/stage4.test.ts) runs it.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { stage4Sandbox } from '../../stages/stage4.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';

/** Run a shell script the way a stage4 phase command runs. */
async function inStage4(script: string): Promise<{ exitCode: number; output: string }> {
  const host = await findHostToolchain();
  const sandbox = stage4Sandbox({
    tree: path.join(E2E_BUILD, 'out', 'stage3'),
    outRoot: path.join(E2E_BUILD, 'out'),
    hostCompiler: { binDir: host.binDir, nativeTriple: 'x86_64-linux-musl', resourceDir: `/usr/lib/clang-resource/${host.major}` },
  });
  const work = path.join(E2E_BUILD, 'tmp', 'stage4-probe');
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  const wrapped = await sandbox.wrap({
    argv: ['/bin/sh', '-c', script],
    cwd: work,
    env: { PATH: `${host.binDir}:/usr/bin`, HOME: work },
    sharedDirs: [E2E_BUILD],
    realPath: (text) => text,
  });
  try {
    const result = await execa(wrapped.argv[0]!, wrapped.argv.slice(1), { env: { ...wrapped.env }, extendEnv: false, reject: false, all: true, stdin: 'ignore' });
    return { exitCode: result.exitCode ?? -1, output: String(result.all) };
  } finally {
    await wrapped.cleanup?.();
  }
}

describe('stage4 (host toolchain profile)', { timeout: 60 * 60_000 }, () => {
  it('builds musl and the Linux headers inside the stage3 tree, then has nothing to do', async () => {
    const run = await engine(['run', 'musl@stage4', 'linux-headers@stage4', '--toolchain', 'host']);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const out = path.join(E2E_BUILD, 'out', 'stage4');
    await fs.access(path.join(out, 'usr', 'lib', 'libc.a'));
    await fs.access(path.join(out, 'usr', 'include', 'linux', 'version.h'));
    // Built, restored from the artifact cache or already up to date: the probe below
    // shows what their commands saw.
    expect(run.stdout).toMatch(/ 0 failed/);

    const second = await engine(['run', 'musl@stage4', 'linux-headers@stage4', '--toolchain', 'host']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/0 built/);
  });

  it('plans the stage3 programs a stage4 node runs as its dependencies', async () => {
    const plan = await engine(['plan', 'compiler-rt-builtins@stage4', '--toolchain', 'host']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    // The builtins' tools (cmake, ninja, python3) and what every build runs.
    for (const node of ['cmake@stage3', 'ninja@stage3', 'python@stage3', 'toybox@stage3', 'bash@stage3', 'make@stage3']) {
      expect(plan.stdout, node).toContain(node);
    }
  });

  it('shows a stage4 command the stage3 tree as /, bash as sh, read-only trees and a native clang', async () => {
    const probe = await inStage4(
      [
        'set -e',
        'echo "sh=$(readlink /usr/bin/sh)"',
        '[ -e /etc/debian_version ] && echo host-etc-visible || echo host-etc-hidden',
        `touch ${E2E_BUILD}/out/stage3/probe 2>/dev/null && echo out-writable || echo out-read-only`,
        `touch ${E2E_BUILD}/tmp/stage4-probe/written && echo build-writable`,
        'echo "triple=$(clang -print-target-triple)"',
        'printf "#include <stdio.h>\\nint main(void){puts(\\"native\\");return 0;}\\n" > hello.c',
        // A bare clang, as a Makefile's HOSTCC runs it: it must link against stage3's musl.
        'clang -O2 hello.c -o hello',
        './hello',
      ].join('\n'),
    );
    expect(probe.exitCode, probe.output).toBe(0);
    expect(probe.output).toContain('sh=bash');
    expect(probe.output).toContain('host-etc-hidden');
    expect(probe.output).toContain('out-read-only');
    expect(probe.output).toContain('build-writable');
    expect(probe.output).toContain('triple=x86_64-unknown-linux-musl');
    expect(probe.output).toContain('native');
    const hello = await inspectElf(path.join(E2E_BUILD, 'tmp', 'stage4-probe', 'hello'));
    expect(hello?.interpreter).toBeUndefined();
    expect(hello?.needed).toEqual([]);
    // The tree itself is unchanged: the overlay's sh link vanished with the namespace.
    expect(await fs.readlink(path.join(E2E_BUILD, 'out', 'stage3', 'usr', 'bin', 'sh'))).toBe('toybox');
  });
});
