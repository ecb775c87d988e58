/**
 * `rootfs-engine boot --target T`: start a target's image in qemu's system
 * emulator with the serial console on this terminal. The kernel is the user's
 * (--kernel) or Debian's for the target's architecture, fetched with apt-get
 * download into build/kernels/ (only /boot/vmlinuz-* is kept).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError, type CommandDefinition } from 'rootfs-engine';
import { isTriple, targetInfo, TARGETS, type TargetInfo } from '../sysroot/targets.ts';

/** Debian's package of a target's qemu system emulator. */
function qemuSystemPackage(target: TargetInfo): string {
  return /x86|i386/.test(target.boot.qemu) ? 'qemu-system-x86' : 'qemu-system-arm';
}

async function commandExists(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}

/** The versioned kernel package behind Debian's metapackage, e.g. linux-image-6.1.0-56-arm64. */
async function resolveKernelPackage(target: TargetInfo): Promise<string> {
  const spec = `${target.boot.kernelPackage}:${target.debianArch}`;
  const depends = await execa('apt-cache', ['depends', spec], { reject: false });
  const match = /Depends: (linux-image-\d[^\s:]*)/.exec(String(depends.stdout));
  if (!match?.[1]) {
    throw new EngineError(
      'MISSING_TOOL',
      `Cannot find Debian's kernel for ${target.triple} (${spec}): apt-cache knows no such package. ` +
        `Run \`dpkg --add-architecture ${target.debianArch} && apt-get update\` (bash .ci/setup-debian.sh does), or pass --kernel FILE.`,
    );
  }
  return match[1];
}

/** Debian's kernel for the target, downloaded once into <build>/kernels/<arch>/. */
export async function debianKernel(target: TargetInfo, buildDir: string): Promise<string> {
  const dir = path.join(buildDir, 'kernels', target.debianArch);
  const pkg = await resolveKernelPackage(target);
  const existing = (await fs.readdir(dir).catch(() => [] as string[])).find((f) => f === `vmlinuz-${pkg.slice('linux-image-'.length)}`);
  if (existing) return path.join(dir, existing);
  await fs.mkdir(dir, { recursive: true });
  const scratch = await fs.mkdtemp(path.join(dir, '.download-'));
  try {
    const download = await execa('apt-get', ['download', `${pkg}:${target.debianArch}`], { cwd: scratch, reject: false });
    const deb = (await fs.readdir(scratch)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new EngineError('DOWNLOAD_FAILED', `apt-get download ${pkg}:${target.debianArch} failed: ${String(download.stderr).trim().split('\n').pop()}. Check apt's sources, or pass --kernel FILE.`);
    await execa('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar x --wildcards './boot/vmlinuz-*'`], { cwd: scratch });
    const kernels = await fs.readdir(path.join(scratch, 'boot'));
    const vmlinuz = kernels.find((k) => k.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new EngineError('DOWNLOAD_FAILED', `${deb} holds no /boot/vmlinuz-*. Pass --kernel FILE.`);
    await fs.rename(path.join(scratch, 'boot', vmlinuz), path.join(dir, vmlinuz));
    return path.join(dir, vmlinuz);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

export function bootCommand(): CommandDefinition {
  return {
    description: "boot a target's rootfs image in qemu, with the serial console on this terminal",
    options: [
      { flags: '--kernel <file>', description: "kernel to boot (default: Debian's kernel for the target, via apt-get download)" },
      { flags: '--image <format>', description: 'image to boot: cpio (as initramfs)', default: 'cpio' },
      { flags: '--rootfs <recipe>', description: 'the image recipe whose images to boot', default: 'rootfs' },
      { flags: '--append <args>', description: 'more kernel command line' },
      { flags: '--memory <MiB>', description: 'guest memory', default: '256' },
    ],
    requirements: (globals) => {
      const triple = String(globals['target'] ?? '');
      const targets = isTriple(triple) ? [targetInfo(triple)] : Object.values(TARGETS);
      return [...new Map(targets.map((t) => [t.boot.qemu, t])).values()].map((target) => ({
        kind: 'tool' as const,
        tool: target.boot.qemu,
        purpose: target.triple,
        debianPackage: qemuSystemPackage(target),
        optional: true,
      }));
    },
    run: async ({ options, globals, config, buildDir }) => {
      const triple = String(globals['target'] ?? config.defaultPlace ?? '');
      if (!isTriple(triple)) {
        throw new EngineError('USAGE', `boot needs a target: --target with one of ${Object.keys(TARGETS).join(', ')}.`);
      }
      const target = targetInfo(triple);
      if (options['image'] !== 'cpio') {
        throw new EngineError(
          'USAGE',
          `--image ${String(options['image'])} is not bootable yet: Debian's kernels need modules to mount an ext4 root disk, and there is no kernel recipe yet. Boot the cpio image (the default).`,
        );
      }
      const recipe = String(options['rootfs'] ?? 'rootfs');
      const image = path.join(buildDir, 'images', triple, ...(recipe === 'rootfs' ? [] : [recipe]), 'rootfs.cpio.gz');
      if (!(await fs.stat(image).then((s) => s.isFile(), () => false))) {
        throw new EngineError('SOURCE_MISSING', `There is no image ${image}. Build it first: rootfs-engine run ${recipe} --target ${triple}.`);
      }
      if (!(await commandExists(target.boot.qemu))) {
        throw new EngineError('MISSING_TOOL', `${target.boot.qemu} is not installed. On Debian: apt-get install ${qemuSystemPackage(target)} (or \`rootfs-engine doctor --target ${triple} --fix\`).`);
      }
      const kernel = typeof options['kernel'] === 'string' ? path.resolve(options['kernel']) : await debianKernel(target, buildDir);
      const append = [`console=${target.boot.console}`, 'rdinit=/etc/init.d/rcS', 'panic=-1', 'quiet', ...(typeof options['append'] === 'string' ? [options['append']] : [])].join(' ');
      const args = [...target.boot.machine, '-m', String(options['memory'] ?? '256'), '-nographic', '-no-reboot', '-kernel', kernel, '-initrd', image, '-append', append];
      process.stderr.write(`Booting ${triple} (${path.basename(kernel)}) in ${target.boot.qemu}. Quit with Ctrl-A then X; the guest powers off when its shell exits.\n`);
      const result = await execa(target.boot.qemu, args, { stdio: 'inherit', reject: false });
      return result.exitCode ?? 1;
    },
  };
}
