/**
 * Compiler and linker flags, derived the way make-rootfs's Makefile derives them:
 *
 *   base       -pipe -static -fno-pic -fno-pie        | -static -Wl,-no-pie ... --gc-sections
 *   + config   Debug -O0 -g, Release -O3, RelWithDebInfo -O3 -g, MinSizeRel -Os
 *              (Release and MinSizeRel also strip at link time: -s)
 *   + sysroot  --sysroot=<the place's out tree>, PKG_CONFIG_* into it
 *   + target   the target triple, and the per-arch -march/-mtune/-mfpu flags
 *
 * Differences from the seed, on purpose:
 *   - The target triple is always given (not only when cross-compiling): the host
 *     profile's clang defaults to the host's glibc triple, never to musl.
 *   - -resource-dir points at the place's own compiler-rt builtins and crt files
 *     (built by the compiler-rt-builtins recipe), and --gcc-toolchain=/nonexistent
 *     keeps clang from finding the host's GCC: no host file can leak into a link.
 *   - stage1 builds against its own musl sysroot, so it keeps the static flags and
 *     adds -U_FORTIFY_SOURCE, where the seed dropped everything (its stage1 linked
 *     against glibc). Recipes that build host programs use hostFlags().
 *   - C++ uses the place's own libc++ (the libcxx recipe): CXXFLAGS select it with
 *     -stdlib=libc++ (which also picks -lc++ when clang++ links with CXXFLAGS, as
 *     autotools and CMake do) and name its headers explicitly after -nostdinc++,
 *     because clang looks in its own install dir (<bin>/../include/c++/v1) before
 *     the sysroot, and a host or stage LLVM may have headers there. The place's
 *     libc++.a carries libc++abi and libunwind, so links keep --unwindlib=none and
 *     C links never need an unwinder.
 */
import type { TargetInfo } from './targets.ts';

export const BUILD_TYPES = ['Release', 'Debug', 'RelWithDebInfo', 'MinSizeRel'] as const;
export type BuildType = (typeof BUILD_TYPES)[number];

export function isBuildType(value: string): value is BuildType {
  return (BUILD_TYPES as readonly string[]).includes(value);
}

const CONFIG_FLAGS: Record<BuildType, { compile: string[]; link: string[] }> = {
  Debug: { compile: ['-O0', '-g'], link: [] },
  Release: { compile: ['-O3'], link: ['-s'] },
  RelWithDebInfo: { compile: ['-O3', '-g'], link: [] },
  MinSizeRel: { compile: ['-Os'], link: ['-s'] },
};

export interface FlagInput {
  target: TargetInfo;
  /** The place's out tree: the sysroot. */
  sysroot: string;
  /** clang resource dir holding this target's builtins, crt files and clang's headers. */
  resourceDir: string;
  buildType: BuildType;
  /** stage1 adds -U_FORTIFY_SOURCE. */
  stage1: boolean;
}

export interface Flags {
  /** Target selection and isolation: what every compile and link of the place needs. */
  targetFlags: string[];
  cflags: string[];
  cxxflags: string[];
  ldflags: string[];
  /** Added to ldflags where a link of C++ objects does not see CXXFLAGS (meson's cpp_link_args). */
  cxxLinkFlags: string[];
}

export function deriveFlags(input: FlagInput): Flags {
  const { target } = input;
  const config = CONFIG_FLAGS[input.buildType];
  const targetFlags = [`--target=${target.triple}`, `--sysroot=${input.sysroot}`, `-resource-dir=${input.resourceDir}`, '--gcc-toolchain=/nonexistent'];
  const compile = [...targetFlags, '-pipe', '-static', '-fno-pic', '-fno-pie', ...config.compile, ...target.archFlags];
  if (input.stage1) compile.push('-U_FORTIFY_SOURCE');
  const link = [
    ...targetFlags,
    '-static',
    '-fuse-ld=lld',
    '-rtlib=compiler-rt',
    '--unwindlib=none',
    '-Wl,-no-pie',
    '-Wl,-no-dynamic-linker',
    '-Wl,-no-export-dynamic',
    '-Wl,--gc-sections',
    ...config.link,
    ...(target.archLdFlags ?? target.archFlags),
  ];
  // -stdlib only matters to a link: a compile-only run would warn that it is unused.
  const cxxLibrary = ['--start-no-unused-arguments', '-stdlib=libc++', '--end-no-unused-arguments', '-nostdinc++', '-isystem', `${input.sysroot}/usr/include/c++/v1`];
  return { targetFlags, cflags: compile, cxxflags: [...compile, ...cxxLibrary], ldflags: link, cxxLinkFlags: ['-stdlib=libc++'] };
}

/** Flags for programs that run on the build machine during a build (HOSTCC and friends). */
export function hostFlags(buildType: BuildType): { cflags: string[]; ldflags: string[] } {
  return { cflags: [...CONFIG_FLAGS[buildType].compile], ldflags: [] };
}
