/**
 * Building a place (a stage or a target) from a target, a toolchain and a sysroot:
 * the environment every node of the place gets (make-rootfs's exported CC, CFLAGS,
 * PKG_CONFIG_* ...), the typed facts recipes read through `rootfsOf(ctx)`, and the
 * install check that enforces "no dynamic loader, no shared libraries".
 */
import path from 'node:path';
import { EngineError, type CommandSandbox, type Context, type DepRef, type HostRequirement, type PlaceDefinition } from 'rootfs-engine';
import { deriveFlags, type BuildType, type Flags } from './flags.ts';
import { buildMachineTriple, type TargetInfo } from './targets.ts';
import { LLVM_TOOLS, llvmToolPackages, type Toolchain } from './toolchain.ts';
import { checkStaticElves } from './elf.ts';
import { probeUserNamespaces } from './userns.ts';
import { whyProgramsCannotRun } from './run-programs.ts';

export interface RootfsFacts {
  target: TargetInfo;
  /** `stage1`..`stage4`, or undefined for a cross target. */
  stage: string | undefined;
  toolchain: { name: string; binDir: string; major: string; description: string };
  /** The place's out tree, which is its sysroot. */
  sysroot: string;
  /** clang resource dir inside the sysroot (builtins, crt files, clang's headers). */
  resourceDir: string;
  /** Where the compiler-rt-builtins recipe installs, relative to DESTDIR. */
  resourceDirInstallPath: string;
  /**
   * The sysroot of the place whose LLVM compiles this one (out/stage<N-1>), when the
   * toolchain is a stage's; the LLVM recipe links against it, as make-rootfs does.
   */
  toolchainSysroot: string | undefined;
  flags: Flags;
  buildType: BuildType;
  /** The meson cross file for this place (make-rootfs installs one per target). */
  mesonCrossFile: string;
  /** Whether every installed ELF must be static. */
  staticOnly: boolean;
}

declare module 'rootfs-engine' {
  interface PlaceFacts {
    rootfs?: RootfsFacts;
  }
}

/** The rootfs facts of a context; recipes of this project only build in rootfs places. */
export function rootfsOf(ctx: Context): RootfsFacts {
  const facts = ctx.facts.rootfs;
  if (!facts) {
    throw new EngineError(
      'CONFIG_INVALID',
      `${ctx.recipe.name} needs a rootfs place (a stage or a target triple such as x86_64-linux-musl), but was asked to build in "${ctx.place}".`,
    );
  }
  return facts;
}

export interface PlaceSpec {
  name: string;
  target: TargetInfo;
  stage: string | undefined;
  toolchain: Toolchain;
  /** The place's out dir as the engine's token layout gives it. */
  outDir: string;
  buildType: BuildType;
  /** Base nodes (C library, headers, builtins) every other node of the place needs. */
  baseDeps: readonly string[];
  /** Nodes that build the toolchain, if it is not the host's. */
  toolchainNodes: readonly string[];
  /** The out dir of the place that built the toolchain (stage toolchains only). */
  toolchainSysroot?: string;
  staticOnly: boolean;
  /** Where the place's commands run, when not on the build machine itself (stage4). */
  sandbox?: CommandSandbox;
  /** The nodes that provide a recipe's tools in this place (stage4: stage3's). */
  toolNodes?: (tools: readonly string[]) => readonly DepRef[];
}

function mesonCrossFile(target: TargetInfo, flags: Flags): string {
  const list = (items: readonly string[]): string => `[${items.map((i) => `'${i}'`).join(', ')}]`;
  return [
    '[binaries]',
    "c = 'clang'",
    "cpp = 'clang++'",
    "ar = 'llvm-ar'",
    "strip = 'llvm-strip'",
    "objcopy = 'llvm-objcopy'",
    "readelf = 'llvm-readelf'",
    "pkg-config = 'pkg-config'",
    '',
    '[built-in options]',
    `c_args = ${list(flags.cflags)}`,
    `cpp_args = ${list(flags.cxxflags)}`,
    `c_link_args = ${list(flags.ldflags)}`,
    `cpp_link_args = ${list([...flags.ldflags, ...flags.cxxLinkFlags])}`,
    '',
    '[host_machine]',
    "system = 'linux'",
    `cpu_family = '${target.meson.cpuFamily}'`,
    `cpu = '${target.meson.cpu}'`,
    `endian = '${target.endian}'`,
    '',
  ].join('\n');
}

/** Debian packages of the host programs our recipes and places call (for `doctor`). */
function hostPackages(toolchain: Toolchain): Record<string, string> {
  return { ...llvmToolPackages(toolchain.major), mke2fs: 'e2fsprogs', debugfs: 'e2fsprogs', node: 'nodejs' };
}

/**
 * What the host must have for a place: the host LLVM when the place compiles with
 * it (a stage's LLVM is built by the run), and qemu-user to run a foreign
 * target's programs (check phases and tests; optional for building).
 */
function placeRequirements(spec: PlaceSpec): HostRequirement[] {
  const packages = llvmToolPackages(spec.toolchain.major);
  const requirements: HostRequirement[] = [];
  if (spec.toolchain.name === 'host') {
    // All from one directory, as findHostToolchain requires: an older llvm-ar in /usr/bin does not count.
    for (const tool of LLVM_TOOLS) {
      requirements.push({ kind: 'tool', tool, searchPath: spec.toolchain.binDir, purpose: `the host LLVM (${spec.toolchain.binDir})`, debianPackage: packages[tool] });
    }
  }
  let native: string | undefined;
  try {
    native = buildMachineTriple();
  } catch {
    native = undefined;
  }
  if (!spec.stage && spec.target.triple !== native) {
    requirements.push({
      kind: 'tool',
      tool: spec.target.qemuUser,
      purpose: `running ${spec.target.triple} programs on this machine (check phases, tests)`,
      debianPackage: 'qemu-user-static',
      optional: true,
    });
  }
  if (spec.stage === 'stage3' || spec.stage === 'stage4') {
    requirements.push({
      kind: 'probe',
      name: 'user namespaces',
      purpose: spec.stage === 'stage4' ? 'stage 4 runs every command inside the stage3 tree' : 'stage 4 and `rootfs-engine shell` (they run inside the stage3 tree)',
      probe: probeUserNamespaces,
      hint: 'enable them: sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000 (as root), and install util-linux for unshare and setpriv',
      optional: spec.stage !== 'stage4',
    });
  }
  return requirements;
}

export function makePlace(spec: PlaceSpec): PlaceDefinition {
  const { target, toolchain } = spec;
  // Not usr/lib/clang/<major>: that is where an LLVM built in this place installs
  // its own resource dir, and two nodes may not own one path.
  const resourceDirInstallPath = path.join('usr', 'lib', 'clang-resource', toolchain.major);
  const resourceDir = path.join(spec.outDir, resourceDirInstallPath);
  const flags = deriveFlags({ target, sysroot: spec.outDir, resourceDir, buildType: spec.buildType, stage1: spec.stage === 'stage1' });
  const facts: RootfsFacts = {
    target,
    stage: spec.stage,
    toolchain: { name: toolchain.name, binDir: toolchain.binDir, major: toolchain.major, description: toolchain.description },
    sysroot: spec.outDir,
    resourceDir,
    resourceDirInstallPath,
    toolchainSysroot: spec.toolchainSysroot,
    flags,
    buildType: spec.buildType,
    mesonCrossFile: mesonCrossFile(target, flags),
    staticOnly: spec.staticOnly,
  };
  return {
    name: spec.name,
    description: `${spec.stage ? `${spec.stage}, ` : ''}${target.triple}, ${toolchain.description}, ${spec.buildType}`,
    env: {
      // sbin too: mke2fs, debugfs and friends live there on Debian.
      PATH: `${toolchain.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      LC_ALL: 'C',
      CC: 'clang',
      CXX: 'clang++',
      // autoconf preprocesses with $CPP $CPPFLAGS only, never CFLAGS: the target and
      // sysroot must be on CPP itself, or its checks read the build machine's headers.
      CPP: ['clang', '-E', ...flags.targetFlags].join(' '),
      LD: 'ld.lld',
      AR: 'llvm-ar',
      RANLIB: 'llvm-ranlib',
      NM: 'llvm-nm',
      STRIP: 'llvm-strip',
      OBJCOPY: 'llvm-objcopy',
      OBJDUMP: 'llvm-objdump',
      READELF: 'llvm-readelf',
      HOSTCC: 'clang',
      CFLAGS: flags.cflags.join(' '),
      CXXFLAGS: flags.cxxflags.join(' '),
      LDFLAGS: flags.ldflags.join(' '),
      PKG_CONFIG_LIBDIR: `${spec.outDir}/usr/lib/pkgconfig:${spec.outDir}/usr/share/pkgconfig`,
      PKG_CONFIG_SYSROOT_DIR: spec.outDir,
      // Reproducible timestamps inside archives and binaries that embed a date.
      SOURCE_DATE_EPOCH: '1700000000',
    },
    deps: spec.baseDeps,
    toolchainNodes: spec.toolchainNodes,
    facts: { rootfs: facts },
    toolchain: toolchain.identity,
    requirements: placeRequirements(spec),
    hostPackages: hostPackages(toolchain),
    canRunPrograms: () => whyProgramsCannotRun(target),
    ...(spec.sandbox ? { sandbox: spec.sandbox } : {}),
    ...(spec.toolNodes ? { toolNodes: spec.toolNodes } : {}),
    checkInstall: async ({ stagingDir, files }) => {
      const problems = await checkStaticElves(stagingDir, files, target.elfMachine);
      // Outside static-only places (the seed's stage1 LLVM links the host's libc)
      // only the machine type is enforced.
      return spec.staticOnly ? problems : problems.filter((p) => p.includes('built for'));
    },
  };
}
