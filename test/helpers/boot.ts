/**
 * Booting a test image under qemu (boot.test.ts, kernel.test.ts): a project whose
 * image carries the test-only boot script (fixtures/boot-test), and the check of
 * what that script prints on the console before it powers the machine off.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { engine } from './e2e.ts';
import { makeProject, REPO, type TestProject } from './project.ts';

/** The image recipe of the boot tests. */
export const BOOT_TEST_IMAGE = 'rootfs-boottest';

/** What `uname -m` says in each target's guest. */
export const UNAME: Readonly<Record<string, string>> = {
  'x86_64-linux-musl': 'x86_64',
  'aarch64-linux-musl': 'aarch64',
  'i386-linux-musl': 'i686',
  'armv7-linux-musleabihf': 'armv7l',
};

/** A project whose config adds the boot-test image (our etc/ plus the test's boot script). */
export async function makeBootTestProject(): Promise<TestProject> {
  const project = await makeProject();
  await fs.cp(path.join(REPO, 'packages/files/rootfs/etc'), project.path('etc'), { recursive: true });
  await fs.cp(path.join(REPO, 'fixtures/boot-test/50-boot-test'), project.path('etc/rc.d/50-boot-test'));
  await project.write(
    'rootfs.config.ts',
    `import { defineConfig } from 'rootfs-engine';
import { allRecipes, bootCommand, rootfsGoals, rootfsImage, rootfsOptions, rootfsPlaces } from 'rootfs-engine/packages';
const image = rootfsImage({ name: '${BOOT_TEST_IMAGE}', skeleton: '${project.path('etc')}' });
export default defineConfig({ recipes: [...allRecipes, image], places: rootfsPlaces(), goals: rootfsGoals(), options: rootfsOptions(), commands: { boot: bootCommand() } });
`,
  );
  return project;
}

/** Boots one image and checks what the test script reports; prints the time to power-off. */
export async function bootAndCheck(project: TestProject, triple: string, format: 'cpio' | 'ext4', extraArgs: readonly string[] = []): Promise<string> {
  const started = Date.now();
  const boot = await engine(['boot', '--target', triple, '--rootfs', BOOT_TEST_IMAGE, '--image', format, ...extraArgs], project.dir, 240_000);
  const console = `${boot.stdout}\n${boot.stderr}`;
  const kernel = extraArgs.includes('--kernel') ? ` --kernel ${extraArgs[extraArgs.indexOf('--kernel') + 1]}` : '';
  process.stdout.write(`boot ${triple} (${format}${kernel}): ${((Date.now() - started) / 1000).toFixed(1)} s to power-off\n`);
  expect(boot.exitCode, console).toBe(0);
  expect(console).toContain(`BOOT-MARKER arch=${UNAME[triple]} init=`);
  expect(console).toContain('BASH-OK 3 5.2.37');
  expect(console).toContain('TOYBOX-OK 3 x /etc/passwd');
  return console;
}
