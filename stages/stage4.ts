/**
 * Stage 4: make-rootfs's last stage, which chroots into the stage3 tree and builds
 * the system again with nothing but what stage3 installed. Here the chroot is a set
 * of unprivileged namespaces (sysroot/namespace.ts) entered by every phase command
 * of a stage4 node, so no step needs root:
 *
 *   /            a tmpfs; /usr is out/stage3/usr through an overlay (the tree is
 *                never written; what a command adds to /usr vanishes with it)
 *   /usr/bin/sh  bash, when stage3 has it, as make-rootfs links it (toybox's sh is
 *                not enough for configure scripts)
 *   build root   at its own path, writable (obj/, stage/, src/, logs); out/ read-only
 *   /dev /sys    the host's; a fresh /proc and /tmp
 *
 * The compiler: in the `llvm` profile, the LLVM stage3 built (its /usr/bin/clang).
 * In the `host` profile stage3 has no compiler, so the host's LLVM directory is
 * mounted at its own path, with the host C library it links against (from the
 * program interpreter's directory) beside it, and a clang.cfg that makes a bare
 * `clang` the stage3 system's native compiler (musl, static, lld, compiler-rt):
 * HOSTCC-style builds of helper programs then link against stage3's musl, as they
 * would with stage3's own clang. That borrowed compiler is the one thing stage4
 * takes from the host in that profile.
 *
 * Dependencies: every stage4 node depends on the stage3 nodes that provide the
 * programs every build uses (a shell, coreutils, grep, diff, awk) and on those
 * that provide its recipe's `tools` (make, cmake, python3...), so a change to one
 * of them rebuilds what ran it. A tool no stage3 recipe provides is looked up in
 * the tree as it is and reported missing when it is not there.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandSandbox, DepRef, SandboxedCommand, SandboxRequest } from 'rootfs-engine';
import { isolatedInvocation, requireNamespaces, type BindMount } from '../sysroot/namespace.ts';
import { inspectElf } from '../sysroot/elf.ts';

/** The stage whose tree stage4 runs in. */
export const STAGE4_TREE = 'stage3';

/** What every build runs without declaring it: the shell, coreutils and sed (toybox), bash, grep, diff, awk. */
export const STAGE4_BASE_TOOLS: readonly string[] = ['toybox', 'bash', 'grep', 'diffutils', 'mawk'];

/** Programs that recipes list in `tools`, and the recipe that installs each one into stage3. */
const TOOL_PROVIDERS: Readonly<Record<string, string>> = {
  make: 'make',
  rsync: 'rsync',
  cmake: 'cmake',
  ninja: 'ninja',
  python3: 'python',
  perl: 'perl',
  m4: 'm4',
  '/usr/bin/m4': 'm4',
  flex: 'flex',
  bison: 'bison',
  'pkg-config': 'pkgconf',
  tic: 'ncurses',
  '/usr/bin/tic': 'ncurses',
  bc: 'bc',
  xz: 'xz',
  gperf: 'gperf',
  git: 'git',
  curl: 'curl',
};

/** The stage3 nodes that provide a stage4 recipe's tools. */
export function stage4ToolNodes(tools: readonly string[]): DepRef[] {
  const nodes = new Set<string>();
  for (const tool of tools) {
    const provider = TOOL_PROVIDERS[tool];
    if (provider) nodes.add(`${provider}@${STAGE4_TREE}`);
  }
  return [...nodes];
}

export interface HostCompiler {
  /** The host LLVM's bin directory, e.g. /usr/lib/llvm-19/bin. */
  binDir: string;
  /** The triple a bare clang should build for inside: the stage3 system's. */
  nativeTriple: string;
  /** clang's resource dir inside the tree (stage3's compiler-rt builtins and crt files). */
  resourceDir: string;
}

/**
 * clang.cfg beside the host clang: the defaults stage3's own clang would have. A
 * node's CFLAGS come later on the command line and win (--target, --sysroot and
 * -resource-dir take the last value), so target builds are unchanged by it.
 */
export function nativeClangConfig(compiler: HostCompiler): string {
  return [
    '--start-no-unused-arguments',
    `--target=${compiler.nativeTriple}`,
    '--sysroot=/',
    `-resource-dir=${compiler.resourceDir}`,
    '--gcc-toolchain=/nonexistent',
    '-static',
    '-fuse-ld=lld',
    '-rtlib=compiler-rt',
    '--unwindlib=none',
    '-stdlib=libc++',
    '--end-no-unused-arguments',
    '',
  ].join('\n');
}

/** What the host compiler needs to run inside: its own directory and its C library's. */
async function hostCompilerMounts(compiler: HostCompiler): Promise<{ binds: BindMount[]; links: Array<{ at: string; to: string }>; env: Record<string, string> }> {
  const llvmRoot = path.dirname(compiler.binDir);
  const binds: BindMount[] = [
    { from: llvmRoot, to: llvmRoot },
    // Writable through an overlay, for clang.cfg; the host's directory is not touched.
    { from: compiler.binDir, to: compiler.binDir, overlay: true },
  ];
  const links: Array<{ at: string; to: string }> = [];
  const env: Record<string, string> = {};
  const clang = await fs.realpath(path.join(compiler.binDir, 'clang'));
  const elf = await inspectElf(clang);
  if (elf?.interpreter) {
    // The loader's directory (/usr/lib/x86_64-linux-gnu on Debian amd64) also holds
    // libc, libstdc++ and libLLVM. Not at its own path: clang searches the
    // multiarch directory for crt1.o and libc.a and would link the host's glibc
    // into native programs. Only the loader link and LD_LIBRARY_PATH lead there,
    // and static musl programs ignore LD_LIBRARY_PATH.
    const loader = await fs.realpath(elf.interpreter);
    binds.push({ from: path.dirname(loader), to: HOST_COMPILER_LIBS });
    links.push({ at: elf.interpreter, to: path.join(HOST_COMPILER_LIBS, path.basename(loader)) });
    env['LD_LIBRARY_PATH'] = HOST_COMPILER_LIBS;
  }
  return { binds, links, env };
}

/** Where the host compiler's shared libraries appear inside (host profile). */
const HOST_COMPILER_LIBS = '/run/host-compiler/lib';

export interface Stage4SandboxOptions {
  /** out/stage3 as a token path (PlaceRequest.dirs.out). */
  tree: string;
  /** The build root's out/ directory as a token path. */
  outRoot: string;
  /** The host compiler mounted inside (host profile); undefined when stage3 has its own. */
  hostCompiler?: HostCompiler;
}

async function isFileOrLink(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

export function stage4Sandbox(options: Stage4SandboxOptions): CommandSandbox {
  let compilerMounts: ReturnType<typeof hostCompilerMounts> | undefined;
  return {
    description: `inside the ${STAGE4_TREE} tree (stage4 runs its commands with out/${STAGE4_TREE} as /)`,
    available: () => requireNamespaces('stage4 (building inside the stage3 tree)'),
    hostPath: (inside, realPath) => {
      const host = options.hostCompiler;
      if (host && (inside === host.binDir || inside.startsWith(`${host.binDir}/`))) return inside;
      return path.join(realPath(options.tree), inside);
    },
    wrap: async (request: SandboxRequest) => {
      const tree = request.realPath(options.tree);
      const files = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-engine-stage4-'));
      try {
        return await wrapWith(files, tree, request);
      } catch (error) {
        await fs.rm(files, { recursive: true, force: true });
        throw error;
      }
    },
  };

  async function wrapWith(files: string, tree: string, request: SandboxRequest): Promise<SandboxedCommand> {
    const binds: BindMount[] = [
      ...request.sharedDirs.map((dir) => ({ from: dir, to: dir, writable: true })),
      // Installed trees are the engine's to change, after a node's commands.
      { from: request.realPath(options.outRoot), to: request.realPath(options.outRoot) },
    ];
    if (await isFileOrLink(path.join(tree, 'usr', 'bin', 'bash'))) {
      await fs.mkdir(path.join(files, 'usr', 'bin'), { recursive: true });
      await fs.symlink('bash', path.join(files, 'usr', 'bin', 'sh'));
    }
    let env = request.env;
    if (options.hostCompiler) {
      compilerMounts ??= hostCompilerMounts(options.hostCompiler);
      const mounts = await compilerMounts;
      binds.push(...mounts.binds);
      env = { ...env, ...mounts.env };
      for (const link of mounts.links) {
        await fs.mkdir(path.join(files, path.dirname(link.at)), { recursive: true });
        await fs.symlink(link.to, path.join(files, link.at));
      }
      const cfgDir = path.join(files, options.hostCompiler.binDir);
      await fs.mkdir(cfgDir, { recursive: true });
      const config = nativeClangConfig(options.hostCompiler);
      await fs.writeFile(path.join(cfgDir, 'clang.cfg'), config);
      await fs.writeFile(path.join(cfgDir, 'clang++.cfg'), config);
    }
    const invocation = await isolatedInvocation({
      tree,
      usr: 'overlay',
      binds,
      rootFiles: files,
      cwd: request.cwd,
      env,
      argv: request.argv,
    });
    return {
      argv: [invocation.file, ...invocation.args],
      // unshare and the setup script run on the build machine, before the chroot.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      cleanup: async () => {
        await invocation.cleanup();
        await fs.rm(files, { recursive: true, force: true });
      },
    };
  }
}
