/**
 * `rootfs-engine boot --target T [--image cpio|ext4]`: start a target's image in qemu's
 * system emulator with the serial console on this terminal. The kernel is the user's
 * (--kernel FILE), the linux recipe's (--kernel built: everything built in, so no module
 * initramfs), or by default Debian's for the target's architecture, fetched with apt-get download
 * into build/kernels/ (its vmlinuz, and the modules an ext4 root needs). The cpio image
 * boots as the initramfs; the ext4 image as a virtio disk, through an initramfs that
 * loads those modules (boot-initramfs.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError, type CommandDefinition } from 'rootfs-engine';
import { isTriple, targetInfo, TARGETS, type TargetInfo } from '../sysroot/targets.ts';
import { IMAGE_FILES } from '../sysroot/image/index.ts';
import { writeBootInitramfs, ROOT_DEVICE, ROOT_INIT } from './boot-initramfs.ts';
import { EXT4_ROOT_MODULES, moduleClosure, type KernelModule } from './kernel-modules.ts';
import { KERNEL_INSTALL_PATH } from '../packages/linux.ts';

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

export interface DebianKernel {
  /** The kernel image (vmlinuz). */
  kernel: string;
  /** The modules an ext4 root on a virtio disk needs, in load order (EXT4_ROOT_MODULES). */
  modules: KernelModule[];
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

/**
 * Debian's kernel for the target, downloaded once into <build>/kernels/<arch>/: the
 * vmlinuz and, under modules-<version>/, just the modules an ext4 root needs (the
 * package's /lib/modules is hundreds of MiB).
 */
export async function debianKernel(target: TargetInfo, buildDir: string): Promise<DebianKernel> {
  const dir = path.join(buildDir, 'kernels', target.debianArch);
  const pkg = await resolveKernelPackage(target);
  const version = pkg.slice('linux-image-'.length);
  const kernel = path.join(dir, `vmlinuz-${version}`);
  const modulesDir = path.join(dir, `modules-${version}`);
  const orderFile = path.join(modulesDir, 'load-order');
  const cached = async (): Promise<DebianKernel> => ({
    kernel,
    modules: (await fs.readFile(orderFile, 'utf8')).split('\n').filter(Boolean).map((name) => ({ name, file: path.join(modulesDir, `${name}.ko`) })),
  });
  if ((await exists(kernel)) && (await exists(orderFile))) return cached();
  await fs.mkdir(dir, { recursive: true });
  const scratch = await fs.mkdtemp(path.join(dir, '.download-'));
  try {
    const download = await execa('apt-get', ['download', `${pkg}:${target.debianArch}`], { cwd: scratch, reject: false });
    const deb = (await fs.readdir(scratch)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new EngineError('DOWNLOAD_FAILED', `apt-get download ${pkg}:${target.debianArch} failed: ${String(download.stderr).trim().split('\n').pop()}. Check apt's sources, or pass --kernel FILE.`);
    const tree = path.join(scratch, 'tree');
    await execa('dpkg-deb', ['-x', deb, tree], { cwd: scratch });
    const vmlinuz = (await fs.readdir(path.join(tree, 'boot')).catch(() => [] as string[])).find((k) => k.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new EngineError('DOWNLOAD_FAILED', `${deb} holds no /boot/vmlinuz-*. Pass --kernel FILE.`);
    let modules: KernelModule[];
    try {
      modules = await moduleClosure(path.join(tree, 'lib', 'modules', vmlinuz.slice('vmlinuz-'.length)), EXT4_ROOT_MODULES);
    } catch (error) {
      throw new EngineError('DOWNLOAD_FAILED', `${deb}: ${(error as Error).message}. Boot the cpio image, or pass --kernel FILE with a kernel that has virtio_blk and ext4 built in.`);
    }
    const staged = path.join(scratch, 'modules');
    await fs.mkdir(staged);
    for (const m of modules) await fs.copyFile(m.file, path.join(staged, `${m.name}.ko`));
    await fs.writeFile(path.join(staged, 'load-order'), modules.map((m) => `${m.name}\n`).join(''));
    await fs.rm(modulesDir, { recursive: true, force: true });
    await fs.rename(staged, modulesDir);
    await fs.rename(path.join(tree, 'boot', vmlinuz), kernel);
    return cached();
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The kernel --kernel names: `built` is the linux recipe's image in the target's out
 * tree (everything the images need built in, like a user's kernel); anything else a file.
 */
async function chosenKernel(spec: string, buildDir: string, triple: string): Promise<string> {
  if (spec !== 'built') return path.resolve(spec);
  const built = path.join(buildDir, 'out', triple, KERNEL_INSTALL_PATH);
  if (!(await fs.stat(built).then((s) => s.isFile(), () => false))) {
    throw new EngineError('SOURCE_MISSING', `There is no built kernel ${built}. Build it first: rootfs-engine run linux --target ${triple} (or pass --kernel FILE, or leave --kernel out for Debian's kernel).`);
  }
  return built;
}

export function bootCommand(): CommandDefinition {
  return {
    description: "boot a target's rootfs image in qemu, with the serial console on this terminal",
    options: [
      { flags: '--kernel <file>', description: "kernel to boot: a file, or `built` for the linux recipe's (run linux --target T) (default: Debian's kernel for the target, via apt-get download)" },
      { flags: '--image <format>', description: 'image to boot: cpio (as initramfs, the default) or ext4 (as a virtio disk)' },
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
      // --image is also the run option (rootfsOptions) when the config declares it, which then
      // takes the value: commander gives it to the program, not to this command.
      const format = String(globals['image'] ?? options['image'] ?? 'cpio');
      if (format !== 'cpio' && format !== 'ext4') {
        throw new EngineError('USAGE', `--image ${format} cannot be booted: boot takes cpio (the initramfs image, the default) or ext4 (a virtio disk).`);
      }
      const recipe = String(options['rootfs'] ?? 'rootfs');
      const image = path.join(buildDir, 'images', triple, ...(recipe === 'rootfs' ? [] : [recipe]), IMAGE_FILES[format]);
      if (!(await fs.stat(image).then((s) => s.isFile(), () => false))) {
        throw new EngineError('SOURCE_MISSING', `There is no image ${image}. Build it first: rootfs-engine run ${recipe} --target ${triple} --image ${format}.`);
      }
      if (!(await commandExists(target.boot.qemu))) {
        throw new EngineError('MISSING_TOOL', `${target.boot.qemu} is not installed. On Debian: apt-get install ${qemuSystemPackage(target)} (or \`rootfs-engine doctor --target ${triple} --fix\`).`);
      }
      const userKernel = typeof options['kernel'] === 'string' ? await chosenKernel(options['kernel'], buildDir, triple) : undefined;
      const debian = userKernel ? undefined : await debianKernel(target, buildDir);
      const kernel = userKernel ?? debian!.kernel;
      const extra = [...(target.boot.append ?? []), ...(typeof options['append'] === 'string' ? [options['append']] : [])];
      const common = [...target.boot.machine, '-m', String(options['memory'] ?? '256'), '-nographic', '-no-reboot', '-kernel', kernel];
      let args: string[];
      if (format === 'cpio') {
        args = [...common, '-initrd', image, '-append', [`console=${target.boot.console}`, `rdinit=${ROOT_INIT}`, 'panic=-1', 'quiet', ...extra].join(' ')];
      } else {
        // snapshot=on: the guest writes to a temporary overlay, so the image (a build output) never changes.
        const disk = ['-drive', `file=${image},format=raw,if=virtio,snapshot=on`];
        if (debian) {
          // Debian's kernels have virtio_blk and ext4 as modules: a small initramfs loads them.
          const initramfs = path.join(buildDir, 'kernels', target.debianArch, `initramfs-ext4-${triple}.cpio.gz`);
          const toybox = path.join(buildDir, 'out', triple, 'usr', 'bin', 'toybox');
          if (!(await fs.stat(toybox).then((s) => s.isFile(), () => false))) {
            throw new EngineError('SOURCE_MISSING', `Booting the ext4 image needs the target's toybox (${toybox}) for its initramfs. Build it: rootfs-engine run toybox --target ${triple}.`);
          }
          await writeBootInitramfs(initramfs, toybox, debian.modules, Number(process.env['SOURCE_DATE_EPOCH'] ?? 1700000000));
          args = [...common, ...disk, '-initrd', initramfs, '-append', [`console=${target.boot.console}`, 'panic=-1', 'quiet', ...extra].join(' ')];
        } else {
          // A user's kernel is taken to have virtio_blk and ext4 built in.
          args = [...common, ...disk, '-append', [`console=${target.boot.console}`, `root=${ROOT_DEVICE}`, 'rootfstype=ext4', 'rw', `init=${ROOT_INIT}`, 'panic=-1', 'quiet', ...extra].join(' ')];
        }
      }
      process.stderr.write(`Booting ${triple} (${path.basename(kernel)}, ${format} image) in ${target.boot.qemu}. Quit with Ctrl-A then X, or power the guest off from its console with "poweroff".\n`);
      const result = await execa(target.boot.qemu, args, { stdio: 'inherit', reject: false });
      return result.exitCode ?? 1;
    },
  };
}
