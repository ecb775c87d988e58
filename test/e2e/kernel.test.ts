/**
 * The linux recipe: a kernel built from source (tinyconfig plus packages/files/linux
 * fragments, LLVM, everything built in) boots the x86_64 images under qemu with
 * `boot --kernel built`: the cpio image as initramfs, and the ext4 image directly as
 * root=/dev/vda, with no module initramfs. x86_64 only, for CI time. The kernel is
 * not part of the image. Prints the kernel's build time (a figure, not an assertion).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';
import type { TestProject } from '../helpers/project.ts';
import { BOOT_TEST_IMAGE, bootAndCheck, makeBootTestProject } from '../helpers/boot.ts';

const TRIPLE = 'x86_64-linux-musl';

describe.sequential('the linux recipe boots the images', { timeout: 90 * 60_000 }, () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeBootTestProject();
  });
  afterAll(async () => {
    await project.remove();
  });

  it('builds a bzImage of 6.12.107 into out/<target>/boot', async () => {
    const started = Date.now();
    const build = await engine(['run', 'linux', '--target', TRIPLE, '--toolchain', 'host'], project.dir, 80 * 60_000);
    expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
    process.stdout.write(`linux ${TRIPLE}: run took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const kernel = path.join(E2E_BUILD, 'out', TRIPLE, 'boot', 'vmlinuz');
    const file = await execa('file', ['-b', kernel]);
    expect(String(file.stdout)).toMatch(/^Linux kernel x86 boot executable bzImage, version 6\.12\.107-rootfs-engine/);
  });

  it('is not part of the image', async () => {
    const build = await engine(['run', BOOT_TEST_IMAGE, '--target', TRIPLE, '--toolchain', 'host', '--image', 'cpio,ext4'], project.dir);
    expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
    const ext4 = path.join(E2E_BUILD, 'images', TRIPLE, BOOT_TEST_IMAGE, 'rootfs.ext4');
    const boot = await execa('/usr/sbin/debugfs', ['-R', 'ls /boot', ext4], { reject: false });
    expect(`${String(boot.stdout)}${String(boot.stderr)}`).not.toContain('vmlinuz');
  });

  it('boots the cpio image as initramfs', async () => {
    expect(await bootAndCheck(project, TRIPLE, 'cpio', ['--kernel', 'built'])).toMatch(/ROOT-MOUNT rootfs \/ rootfs/);
  });

  it('boots the ext4 image as root=/dev/vda, with no initramfs', async () => {
    const console = await bootAndCheck(project, TRIPLE, 'ext4', ['--kernel', 'built']);
    // Without an initramfs the kernel names its root device /dev/root in /proc/mounts.
    expect(console).toMatch(/ROOT-MOUNT \/dev\/(vda|root) \/ ext4 rw/);
  });

  it('names the recipe to run when there is no built kernel', async () => {
    const out = path.join(E2E_BUILD, 'out', TRIPLE, 'boot', 'vmlinuz');
    const aside = `${out}.aside`;
    await fs.rename(out, aside);
    try {
      const boot = await engine(['boot', '--target', TRIPLE, '--rootfs', BOOT_TEST_IMAGE, '--image', 'cpio', '--kernel', 'built'], project.dir);
      expect(boot.exitCode).not.toBe(0);
      expect(boot.stderr).toContain(`run linux --target ${TRIPLE}`);
    } finally {
      await fs.rename(aside, out);
    }
  });
});
