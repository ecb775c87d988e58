/**
 * The real thing, with the host toolchain profile: musl, Linux headers,
 * compiler-rt builtins and toybox for x86_64 and aarch64 from Debian's source
 * archive, every installed ELF static and of the right machine, toybox run on
 * the host and under qemu-user; the stage chain; the install check refusing a
 * dynamic binary.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine, runTargetBinary, STAGE3_CI_PACKAGES } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { builtNodes, makeProject } from '../helpers/project.ts';

const TARGETS_UNDER_TEST = ['x86_64-linux-musl', 'aarch64-linux-musl'];

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

describe.sequential('host toolchain: base system per target', { timeout: 30 * 60_000 }, () => {
  for (const triple of TARGETS_UNDER_TEST) {
    const target = TARGETS[triple]!;
    it(`builds musl, linux-headers, builtins and toybox for ${triple}, all static`, async () => {
      const run = await engine(['run', 'toybox', '--target', triple, '--toolchain', 'host']);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      const out = path.join(E2E_BUILD, 'out', triple);
      let executables = 0;
      for (const file of await listFiles(out)) {
        const elf = await inspectElf(file);
        if (!elf) continue;
        expect(elf.machine, file).toBe(target.elfMachine);
        expect(elf.interpreter, file).toBeUndefined();
        expect(elf.needed, file).toEqual([]);
        if (elf.type === 'exec') executables += 1;
      }
      expect(executables).toBeGreaterThan(0);
      const toybox = path.join(out, 'usr/bin/toybox');
      const qemu = triple.startsWith('x86_64') ? undefined : target.qemuUser;
      expect(await runTargetBinary(qemu, toybox, ['echo', 'hello from toybox'])).toBe('hello from toybox');
      expect(await runTargetBinary(qemu, toybox, ['sh', '-c', "echo $((6*7)); printf '%s-%s\\n' a b"])).toBe('42\na-b');
      expect(await runTargetBinary(qemu, toybox, ['basename', '/usr/lib/libc.a', '.a'])).toBe('libc');
      expect(await runTargetBinary(qemu, toybox, ['seq', '3'])).toBe('1\n2\n3');
    });
  }

  it('refuses an install with a dynamic binary and names the file', async () => {
    const project = await makeProject();
    try {
      await project.write(
        'rootfs.config.ts',
        `import { defineConfig, defineRecipe } from 'rootfs-engine';
import { allRecipes, rootfsGoals, rootfsPlaces } from 'rootfs-engine/packages';
const leaky = defineRecipe({
  name: 'leaky',
  version: '1',
  phases: { install: (ctx) => \`mkdir -p \${ctx.dirs.dest}/usr/bin && cp /bin/true \${ctx.dirs.dest}/usr/bin/leaky-true\` },
});
export default defineConfig({ recipes: [...allRecipes, leaky], places: rootfsPlaces(), goals: rootfsGoals() });
`,
      );
      const run = await engine(['run', 'leaky', '--target', 'x86_64-linux-musl', '--toolchain', 'host'], project.dir);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('leaky@x86_64-linux-musl installed files that x86_64-linux-musl does not accept');
      expect(run.stderr).toMatch(/usr\/bin\/leaky-true: requests a program interpreter/);
      // The base nodes were shared with the main config: nothing else rebuilt.
      expect(builtNodes(run.stdout)).toEqual(['leaky@x86_64-linux-musl']);
      await expect(fs.access(path.join(E2E_BUILD, 'out/x86_64-linux-musl/usr/bin/leaky-true'))).rejects.toThrow();
    } finally {
      await project.remove();
    }
  });

  it('builds the stage chain stage1 -> stage2 -> stage3 (the CI --packages set), then has nothing to do', async () => {
    // toybox first, in its own run: in a build root where an older toybox still owns
    // grep and cmp, grep@stage3 and diffutils@stage3 would wait for it while holding
    // both job slots (see packages-base.test.ts).
    const toyboxes = await engine(['run', 'toybox@stage1', 'toybox@stage2', 'toybox@stage3', '--toolchain', 'host']);
    expect(toyboxes.exitCode, `${toyboxes.stdout}\n${toyboxes.stderr}`).toBe(0);
    const first = await engine(['run', 'stage3', '--toolchain', 'host', '--packages', STAGE3_CI_PACKAGES]);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    for (const stage of ['stage1', 'stage2', 'stage3']) {
      const toybox = path.join(E2E_BUILD, 'out', stage, 'usr/bin/toybox');
      expect((await inspectElf(toybox))?.interpreter).toBeUndefined();
      expect(await runTargetBinary(undefined, toybox, ['echo', stage])).toBe(stage);
    }
    const second = await engine(['run', 'stage3', '--toolchain', 'host', '--packages', STAGE3_CI_PACKAGES]);
    expect(second.exitCode).toBe(0);
    expect(builtNodes(second.stdout)).toEqual([]);
    // 3 stages x (musl, linux-headers, builtins, toybox) + bash, the base set's 10 and the second batch's 6 @stage3.
    expect(second.stdout).toMatch(/0 built, 29 up to date/);
  });
});
