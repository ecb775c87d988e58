/**
 * Root filesystem images: built from the target's packages in every format (cpio,
 * ext4, tar, OCI), byte-reproducible, checked with e2fsck/debugfs and skopeo, and
 * booted under qemu in software emulation with Debian's kernels, on every target
 * (x86_64, aarch64, i386, armv7): the cpio image as initramfs, and the ext4 image as
 * a virtio disk (through an initramfs that loads Debian's modules). finit is PID 1; a
 * test-only finit.d service (fixtures/boot-test) prints markers, asks initctl, runs bash
 * and toybox, and powers the machine off through finit; a boot that hangs is killed
 * and fails with its log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { E2E_BUILD, engine, hasCommand } from '../helpers/e2e.ts';
import type { TestProject } from '../helpers/project.ts';
import { BOOT_TEST_IMAGE, bootAndCheck, bootInteractively, makeBootTestProject, UNAME } from '../helpers/boot.ts';
import { targetInfo } from '../../sysroot/targets.ts';

const IMAGE = BOOT_TEST_IMAGE;

const SOURCE_DATE_EPOCH = 1700000000;
const haveSkopeo = await hasCommand('skopeo');

/** The digest of a file, or of every file of a directory (the OCI layout) by relative path. */
async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  if ((await fs.stat(file)).isDirectory()) {
    for (const entry of (await fs.readdir(file, { recursive: true })).sort()) {
      const full = path.join(file, entry);
      if ((await fs.stat(full)).isFile()) hash.update(`${entry}\0`).update(await fs.readFile(full));
    }
  } else hash.update(await fs.readFile(file));
  return hash.digest('hex');
}

async function debugfs(image: string, request: string): Promise<string> {
  return String((await execa('/usr/sbin/debugfs', ['-R', request, image], { reject: false })).stdout);
}

describe.sequential('rootfs images and boot', { timeout: 30 * 60_000 }, () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeBootTestProject();
  });
  afterAll(async () => {
    await project.remove();
  });

  for (const triple of Object.keys(UNAME)) {
    it(`builds reproducible images for ${triple} and boots them`, async () => {
      const build = await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host'], project.dir);
      expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
      const images = path.join(E2E_BUILD, 'images', triple, IMAGE);
      const files = ['rootfs.cpio.gz', 'rootfs.ext4', 'rootfs.tar', 'oci'];
      const first = await Promise.all(files.map((f) => sha256(path.join(images, f))));

      // From a clean image node again: byte-identical images.
      expect((await engine(['clean', `${IMAGE}@${triple}`], project.dir)).exitCode).toBe(0);
      await fs.rm(images, { recursive: true, force: true });
      expect((await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host'], project.dir)).exitCode).toBe(0);
      expect(await Promise.all(files.map((f) => sha256(path.join(images, f))))).toEqual(first);

      // The ext4 image: consistent, root-owned, SOURCE_DATE_EPOCH times, symlinks kept.
      const ext4 = path.join(images, 'rootfs.ext4');
      const fsck = await execa('/usr/sbin/e2fsck', ['-fn', ext4], { reject: false });
      expect(fsck.exitCode, `${fsck.stdout}\n${fsck.stderr}`).toBe(0);
      const passwd = await debugfs(ext4, 'stat /etc/passwd');
      expect(passwd).toMatch(/User:\s+0\s+Group:\s+0/);
      expect(passwd).toMatch(new RegExp(`mtime: 0x${SOURCE_DATE_EPOCH.toString(16)}`));
      expect(await debugfs(ext4, 'stat /usr/bin/bash')).toMatch(/Mode:\s+0755/);
      expect(await debugfs(ext4, 'stat /bin')).toMatch(/Type: symlink[\s\S]*Fast link dest: "usr\/bin"/);
      const root = await debugfs(ext4, 'ls -l /');
      for (const name of ['usr', 'etc', 'dev', 'proc', 'sys', 'tmp', 'run', 'root']) expect(root).toMatch(new RegExp(`\\s${name}\\s*$`, 'm'));

      // The OCI layout, as skopeo reads it.
      const oci = JSON.parse(await fs.readFile(path.join(images, 'oci', 'index.json'), 'utf8')) as { manifests: Array<{ platform: { architecture: string; variant?: string } }> };
      const { architecture: arch, variant } = targetInfo(triple).oci;
      expect(oci.manifests[0]!.platform).toEqual({ architecture: arch, os: 'linux', ...(variant ? { variant } : {}) });
      if (haveSkopeo) {
        const override = ['--override-arch', arch, ...(variant ? ['--override-variant', variant] : [])];
        const inspect = await execa('skopeo', ['inspect', ...override, `oci:${path.join(images, 'oci')}:latest`]);
        const info = JSON.parse(String(inspect.stdout)) as { Architecture: string; Created: string; Layers: string[] };
        expect(info.Architecture).toBe(arch);
        expect(info.Created).toBe(new Date(SOURCE_DATE_EPOCH * 1000).toISOString().replace('.000Z', 'Z'));
        expect(info.Layers).toHaveLength(1);
      }

      const console = await bootAndCheck(project, triple, 'cpio');
      expect(console).toMatch(/ROOT-MOUNT rootfs \/ rootfs/);
      // The same system from the ext4 image on a virtio disk.
      expect(await bootAndCheck(project, triple, 'ext4')).toMatch(/ROOT-MOUNT \/dev\/vda \/ ext4 rw/);
    });
  }

  it('gives a root shell on the console of the default image, and poweroff ends the machine through finit', async () => {
    const triple = 'x86_64-linux-musl';
    const build = await engine(['run', 'rootfs', '--target', triple, '--toolchain', 'host', '--image', 'cpio'], project.dir);
    expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
    const boot = await bootInteractively(project.dir, triple, 'echo SHELL-OK $((40+2)) $(cat /proc/1/comm) $(readlink /proc/1/exe)');
    expect(boot.exitCode, boot.console).toBe(0);
    expect(boot.console).toContain('SHELL-OK 42 init /usr/bin/finit');
    // finit's orderly shutdown, not an immediate power-off.
    expect(boot.console).toMatch(/Unmounting filesystems/);
    expect(boot.console).toMatch(/reboot: Power down/);
  });

  it('writes only the formats --image names, with the --image-size given', async () => {
    const triple = 'x86_64-linux-musl';
    const run = await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host', '--image', 'cpio,ext4', '--image-size', '48'], project.dir);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const images = path.join(E2E_BUILD, 'images', triple, IMAGE);
    expect((await fs.readdir(images)).sort()).toEqual(['rootfs.cpio.gz', 'rootfs.ext4']);
    expect((await fs.stat(path.join(images, 'rootfs.ext4'))).size).toBe(48 * 1024 * 1024);
    const bad = await engine(['run', IMAGE, '--target', triple, '--toolchain', 'host', '--image', 'cpio,iso'], project.dir);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--image cpio,iso: unknown image format(s) iso');
  });
});
