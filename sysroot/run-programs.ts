/**
 * Can this machine run a place's programs the way a test suite does, by exec()
 * of the file itself? Natively when the build machine's CPU runs the target's
 * code (x86_64 runs i386 too); otherwise only when the kernel hands the target's
 * ELF files to qemu-user through binfmt_misc, which Debian's qemu-user-static
 * sets up on a machine with systemd but not in a container.
 */
import { promises as fs } from 'node:fs';
import { buildMachineTriple, type TargetInfo } from './targets.ts';

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** Architectures a CPU of the build machine runs natively. */
const NATIVE: Readonly<Record<string, readonly string[]>> = {
  'x86_64-linux-musl': ['x86_64-linux-musl', 'i386-linux-musl'],
  'aarch64-linux-musl': ['aarch64-linux-musl', 'armv7-linux-musleabihf'],
};

/** binfmt_misc's entry for the target, as Debian's qemu-user-static names it (qemu-aarch64). */
export function binfmtEntry(target: TargetInfo): string {
  return target.qemuUser.replace(/-static$/, '');
}

/** Does the build machine's CPU run the target's programs itself, with no qemu-user? */
export function runsNatively(target: TargetInfo, buildMachine = buildMachineTriple()): boolean {
  return target.triple === buildMachine || (NATIVE[buildMachine] ?? []).includes(target.triple);
}

export async function whyProgramsCannotRun(target: TargetInfo, buildMachine = buildMachineTriple(), binfmtDir = BINFMT_DIR): Promise<string | undefined> {
  if (runsNatively(target, buildMachine)) return undefined;
  const entry = binfmtEntry(target);
  const status = await fs.readFile(`${binfmtDir}/${entry}`, 'utf8').catch(() => undefined);
  if (status?.split('\n')[0] === 'enabled') return undefined;
  return (
    `${target.triple} programs cannot run on this ${buildMachine} machine: the kernel has no enabled binfmt_misc entry ${entry} ` +
    `(${binfmtDir}/${entry}) to hand them to qemu-user, and a test suite runs the programs it builds directly. ` +
    `Install Debian's qemu-user-static and register it, as root: ` +
    `\`apt-get install qemu-user-static && (mountpoint -q ${binfmtDir} || mount -t binfmt_misc binfmt_misc ${binfmtDir}) && ` +
    `cat /usr/lib/binfmt.d/${entry}.conf > ${binfmtDir}/register\` (systemd machines do the registering at boot), then run the check again.`
  );
}
