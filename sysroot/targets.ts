/**
 * The one table of supported target triples and their architecture facts. A new
 * target is one entry here. The -march/-mtune/-mfpu flags are make-rootfs's (its
 * Makefile picks them by substring of the triple, first match wins).
 */
import { EngineError } from 'rootfs-engine';

export interface TargetInfo {
  triple: string;
  /** ARCH= for the Linux kernel build. */
  linuxArch: string;
  /** CMAKE_SYSTEM_PROCESSOR. */
  cmakeProcessor: string;
  /** LLVM_TARGETS_TO_BUILD name. */
  llvmTarget: string;
  /** Name compiler-rt gives this target's builtins (libclang_rt.builtins-<name>.a). */
  compilerRtArch: string;
  pointerSize: 4 | 8;
  endian: 'little' | 'big';
  /** Flags for C/C++ and link lines (make-rootfs's per-arch flags). */
  archFlags: readonly string[];
  /** Extra link-only adjustments, when they differ from archFlags. */
  archLdFlags?: readonly string[];
  /** ELF e_machine of binaries for this target. */
  elfMachine: number;
  /** meson cross file [host_machine]. */
  meson: { cpuFamily: string; cpu: string };
  /** qemu user-mode emulator (Debian's qemu-user-static) to run one binary. */
  qemuUser: string;
  /** Debian architecture name (linux-image packages, dpkg --add-architecture). */
  debianArch: string;
  /** Platform of its OCI images (image config and index; GOARCH names, arm adds a variant). */
  oci: { architecture: string; variant?: string };
  /** How to boot an image of this target under qemu's system emulation. */
  boot: {
    qemu: string;
    machine: readonly string[];
    console: string;
    /** Debian's kernel metapackage for this architecture (boot tests use Debian's kernels). */
    kernelPackage: string;
    /** Kernel command line the architecture needs under qemu's software emulation. */
    append?: readonly string[];
  };
}

export const TARGETS: Readonly<Record<string, TargetInfo>> = {
  'x86_64-linux-musl': {
    triple: 'x86_64-linux-musl',
    linuxArch: 'x86',
    cmakeProcessor: 'x86_64',
    llvmTarget: 'X86',
    compilerRtArch: 'x86_64',
    pointerSize: 8,
    endian: 'little',
    archFlags: ['-mtune=generic'],
    elfMachine: 62,
    meson: { cpuFamily: 'x86_64', cpu: 'x86_64' },
    qemuUser: 'qemu-x86_64-static',
    debianArch: 'amd64',
    oci: { architecture: 'amd64' },
    // no_timer_check: the kernel's IO-APIC timer test misfires when emulation is starved
    // of CPU ("IO-APIC + timer doesn't work!" panics, seen on a loaded 2-core machine).
    boot: { qemu: 'qemu-system-x86_64', machine: [], console: 'ttyS0', kernelPackage: 'linux-image-amd64', append: ['no_timer_check'] },
  },
  'i386-linux-musl': {
    triple: 'i386-linux-musl',
    linuxArch: 'x86',
    cmakeProcessor: 'x86',
    llvmTarget: 'X86',
    compilerRtArch: 'i386',
    pointerSize: 4,
    endian: 'little',
    archFlags: ['-march=pentium-m', '-mtune=generic', '-fomit-frame-pointer'],
    archLdFlags: ['-march=pentium-m', '-mtune=generic'],
    elfMachine: 3,
    meson: { cpuFamily: 'x86', cpu: 'i686' },
    qemuUser: 'qemu-i386-static',
    debianArch: 'i386',
    oci: { architecture: '386' },
    boot: { qemu: 'qemu-system-i386', machine: [], console: 'ttyS0', kernelPackage: 'linux-image-686', append: ['no_timer_check'] },
  },
  'armv7-linux-musleabihf': {
    triple: 'armv7-linux-musleabihf',
    linuxArch: 'arm',
    cmakeProcessor: 'arm',
    llvmTarget: 'ARM',
    // Hard-float ARM builtins are named armhf: that is the name clang looks for.
    compilerRtArch: 'armhf',
    pointerSize: 4,
    endian: 'little',
    archFlags: ['-march=armv7-a', '-mfpu=neon-vfpv4'],
    elfMachine: 40,
    meson: { cpuFamily: 'arm', cpu: 'armv7' },
    qemuUser: 'qemu-arm-static',
    debianArch: 'armhf',
    oci: { architecture: 'arm', variant: 'v7' },
    // highmem=off: a 32-bit kernel cannot reach virt's PCIe ECAM above 4 GiB, and without PCI no virtio disk.
    boot: { qemu: 'qemu-system-arm', machine: ['-M', 'virt,highmem=off', '-cpu', 'cortex-a15'], console: 'ttyAMA0', kernelPackage: 'linux-image-armmp' },
  },
  'aarch64-linux-musl': {
    triple: 'aarch64-linux-musl',
    linuxArch: 'arm64',
    cmakeProcessor: 'aarch64',
    llvmTarget: 'AArch64',
    compilerRtArch: 'aarch64',
    pointerSize: 8,
    endian: 'little',
    archFlags: ['-march=armv8-a+crc', '-mtune=cortex-a53'],
    elfMachine: 183,
    meson: { cpuFamily: 'aarch64', cpu: 'aarch64' },
    qemuUser: 'qemu-aarch64-static',
    debianArch: 'arm64',
    oci: { architecture: 'arm64', variant: 'v8' },
    boot: { qemu: 'qemu-system-aarch64', machine: ['-M', 'virt', '-cpu', 'cortex-a53'], console: 'ttyAMA0', kernelPackage: 'linux-image-arm64' },
  },
};

export function isTriple(name: string): boolean {
  return Object.hasOwn(TARGETS, name);
}

export function targetInfo(triple: string): TargetInfo {
  const info = TARGETS[triple];
  if (!info) {
    throw new EngineError(
      'UNKNOWN_PLACE',
      `Unknown target "${triple}". Supported targets: ${Object.keys(TARGETS).join(', ')}; stages: stage1, stage2, stage3, stage4.`,
    );
  }
  return info;
}

/** The triple of the machine we run on, as a musl triple (make-rootfs: `uname -m`-linux-musl). */
export function buildMachineTriple(): string {
  switch (process.arch) {
    case 'x64':
      return 'x86_64-linux-musl';
    case 'arm64':
      return 'aarch64-linux-musl';
    case 'ia32':
      return 'i386-linux-musl';
    case 'arm':
      return 'armv7-linux-musleabihf';
    default:
      throw new EngineError('UNKNOWN_PLACE', `rootfs-engine cannot bootstrap on a ${process.arch} machine; the stages need one of ${Object.keys(TARGETS).join(', ')}.`);
  }
}
