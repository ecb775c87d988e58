/**
 * Root filesystem images: built from the target's packages, byte-reproducible,
 * and booted under qemu in software emulation with Debian's kernels. A test-only
 * boot script (fixtures/boot-test) prints markers, runs bash and toybox, and
 * powers the machine off; a boot that hangs is killed and fails with its log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';
import { makeProject, REPO, type TestProject } from '../helpers/project.ts';

const IMAGE = 'rootfs-boottest';

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

describe.sequential('rootfs images and boot', { timeout: 30 * 60_000 }, () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject();
    // The image's etc/ is ours plus the test's boot script.
    await fs.cp(path.join(REPO, 'packages/files/rootfs/etc'), project.path('etc'), { recursive: true });
    await fs.cp(path.join(REPO, 'fixtures/boot-test/50-boot-test'), project.path('etc/rc.d/50-boot-test'));
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig } from 'rootfs-engine';
import { allRecipes, bootCommand, rootfsGoals, rootfsImage, rootfsPlaces } from 'rootfs-engine/packages';
const image = rootfsImage({ name: '${IMAGE}', skeleton: '${project.path('etc')}' });
export default defineConfig({ recipes: [...allRecipes, image], places: rootfsPlaces(), goals: rootfsGoals(), commands: { boot: bootCommand() } });
`,
    );
  });
  afterAll(async () => {
    await project.remove();
  });

  for (const triple of ['x86_64-linux-musl', 'aarch64-linux-musl']) {
    it(`builds reproducible images for ${triple} and boots them`, async () => {
      const build = await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host'], project.dir);
      expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
      const images = path.join(E2E_BUILD, 'images', triple, IMAGE);
      const files = ['rootfs.cpio.gz', 'rootfs.ext4', 'rootfs.tar'];
      const first = await Promise.all(files.map((f) => sha256(path.join(images, f))));

      // From a clean image node again: byte-identical images.
      expect((await engine(['clean', `${IMAGE}@${triple}`], project.dir)).exitCode).toBe(0);
      await fs.rm(images, { recursive: true, force: true });
      expect((await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host'], project.dir)).exitCode).toBe(0);
      expect(await Promise.all(files.map((f) => sha256(path.join(images, f))))).toEqual(first);

      const started = Date.now();
      const boot = await engine(['boot', '--target', triple, '--rootfs', IMAGE], project.dir, 240_000);
      const console = `${boot.stdout}\n${boot.stderr}`;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`boot ${triple}: ${seconds} s to power-off\n`);
      expect(boot.exitCode, console).toBe(0);
      expect(console).toContain(`BOOT-MARKER arch=${triple.split('-')[0]} init=`);
      expect(console).toContain('BASH-OK 3 5.2.37');
      expect(console).toContain('TOYBOX-OK 3 x /etc/passwd');
    });
  }
});
