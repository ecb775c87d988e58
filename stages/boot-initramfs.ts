/**
 * The initramfs that boots an ext4 root with a distribution kernel: the target's own
 * static toybox, the kernel modules for a virtio disk and ext4 (kernel-modules.ts),
 * and an /init that loads them, mounts /dev/vda on /newroot and switch_root's into
 * the image's init, finit (/sbin/init). Written reproducibly with the cpio writer; it holds
 * nothing of the host.
 */
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONSOLE_DEVICE, writeCpioNewc } from '../sysroot/image/index.ts';
import type { KernelModule } from './kernel-modules.ts';

/** The toybox commands /init runs. */
const COMMANDS = ['sh', 'mount', 'umount', 'insmod', 'sleep', 'switch_root', 'poweroff', 'cat'];

/** The device the boot command attaches the ext4 image as (the first virtio disk). */
export const ROOT_DEVICE = '/dev/vda';
/** PID 1 of the images: finit, through its init link (sbin -> usr/bin). */
export const ROOT_INIT = '/sbin/init';

export function initScript(modules: readonly KernelModule[]): string {
  const fail = (what: string): string => `{ echo "initramfs: ${what}"; poweroff -f; }`;
  return `#!/bin/sh
# Loads the modules a virtio ext4 root needs, then hands over to the image's init.
export PATH=/bin
# Named devtmpfs, as the kernel's own automount names it: the "mount -a" of finit then sees
# the fstab's devtmpfs line as mounted once /dev is moved into the new root.
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
for module in ${modules.map((m) => m.name).join(' ')}; do
  insmod /lib/modules/$module.ko || ${fail('insmod $module failed')}
done
# The disk appears asynchronously once virtio_blk probes it.
tries=0
while [ ! -b ${ROOT_DEVICE} ]; do
  [ $tries -lt 100 ] || ${fail(`no ${ROOT_DEVICE} after 10 s (is the image attached as a virtio disk?)`)}
  sleep 0.1
  tries=$((tries + 1))
done
mount -t ext4 ${ROOT_DEVICE} /newroot || ${fail(`cannot mount ${ROOT_DEVICE} as ext4`)}
umount /proc
mount -o move /dev /newroot/dev || umount /dev
exec switch_root /newroot ${ROOT_INIT}
`;
}

/** Writes the initramfs for `modules` with the static `toybox` of the target into `file`. */
export async function writeBootInitramfs(file: string, toybox: string, modules: readonly KernelModule[], mtime: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const root = await mkdtemp(path.join(path.dirname(file), '.initramfs-'));
  try {
    for (const dir of ['bin', 'dev', 'proc', 'newroot', 'lib/modules']) await mkdir(path.join(root, dir), { recursive: true });
    await copyFile(toybox, path.join(root, 'bin', 'toybox'));
    await chmod(path.join(root, 'bin', 'toybox'), 0o755);
    for (const command of COMMANDS) await symlink('toybox', path.join(root, 'bin', command));
    for (const m of modules) await copyFile(m.file, path.join(root, 'lib', 'modules', `${m.name}.ko`));
    await writeFile(path.join(root, 'init'), initScript(modules), { mode: 0o755 });
    await chmod(root, 0o755);
    await writeCpioNewc(root, file, { mtime, gzip: true, extraEntries: [CONSOLE_DEVICE] });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
