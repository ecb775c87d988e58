/**
 * Toolchains are values. `host` is an LLVM found on this machine (Debian's
 * clang-19 by default); `stageN` is the LLVM a stage installed into out/stageN.
 * Either way recipes see the same thing: a bin directory to put first on PATH,
 * bare tool names (CC=clang, AR=llvm-ar, as make-rootfs exports them), the LLVM
 * major version (for the resource directory), and an identity string that goes
 * into every node key of the places that use it.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError } from 'rootfs-engine';

export interface Toolchain {
  /** `host` or the stage whose LLVM this is. */
  name: string;
  /** Directory holding clang, clang++, ld.lld, llvm-ar... (unsuffixed names). */
  binDir: string;
  /** LLVM major version: the resource directory is usr/lib/clang/<major>. */
  major: string;
  description: string;
  /** Everything that identifies the toolchain's behaviour; part of node keys. */
  identity: () => Promise<string>;
}

/** Programs every recipe may call by their bare names. */
export const LLVM_TOOLS = ['clang', 'clang++', 'ld.lld', 'llvm-ar', 'llvm-ranlib', 'llvm-nm', 'llvm-strip', 'llvm-objcopy', 'llvm-readelf'] as const;

/** Debian releases the host profile accepts, most preferred first (19 matches our LLVM recipe). */
const HOST_LLVM_MAJORS = ['19', '20', '21', '22', '18', '17', '16'];

/** The Debian package that provides one LLVM tool of a given major version. */
export function llvmToolPackage(tool: string, major: string = HOST_LLVM_MAJORS[0]!): string {
  if (tool.startsWith('clang')) return `clang-${major}`;
  if (tool === 'ld.lld' || tool === 'lld') return `lld-${major}`;
  return `llvm-${major}`;
}

/** Tool -> Debian package for every tool of the host toolchain (for `doctor`). */
export function llvmToolPackages(major: string = HOST_LLVM_MAJORS[0]!): Record<string, string> {
  return Object.fromEntries(LLVM_TOOLS.map((tool) => [tool, llvmToolPackage(tool, major)]));
}

/** What the host LLVM lookup found: a usable bin directory, or the best partial one. */
export interface HostToolchainProbe {
  /** The bin directory to use (the best candidate when none is complete). */
  binDir: string;
  major: string;
  missing: string[];
}

/** Look for the host LLVM without failing: `doctor` reports what is missing. */
export async function probeHostToolchain(): Promise<HostToolchainProbe> {
  const override = process.env['ROOTFS_ENGINE_HOST_LLVM'];
  const candidates = override ? [{ binDir: override, major: '' }] : HOST_LLVM_MAJORS.map((major) => ({ binDir: `/usr/lib/llvm-${major}/bin`, major }));
  let best: HostToolchainProbe | undefined;
  for (const { binDir, major } of candidates) {
    if (!(await isExecutable(path.join(binDir, 'clang')))) continue;
    const missing: string[] = [];
    for (const tool of LLVM_TOOLS) if (!(await isExecutable(path.join(binDir, tool)))) missing.push(tool);
    if (missing.length === 0) return { binDir, major: major || HOST_LLVM_MAJORS[0]!, missing };
    best ??= { binDir, major: major || HOST_LLVM_MAJORS[0]!, missing };
  }
  return best ?? { binDir: candidates[0]!.binDir, major: candidates[0]!.major || HOST_LLVM_MAJORS[0]!, missing: [...LLVM_TOOLS] };
}

/**
 * A stand-in for a host LLVM that is not (fully) installed, for places resolved
 * only to be inspected: its bin directory is where Debian's packages would put it.
 */
export function missingHostToolchain(probe: HostToolchainProbe): Toolchain {
  return {
    name: 'host',
    binDir: probe.binDir,
    major: probe.major,
    description: `host LLVM ${probe.major} (${probe.binDir}, lacking ${probe.missing.join(', ')})`,
    identity: () => Promise.reject(new EngineError('MISSING_TOOL', `The host LLVM in ${probe.binDir} lacks ${probe.missing.join(', ')}.`)),
  };
}

async function isExecutable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

let hostToolchain: Promise<Toolchain> | undefined;

/**
 * The host LLVM: $ROOTFS_ENGINE_HOST_LLVM (a bin directory) or Debian's
 * /usr/lib/llvm-<major>/bin. Missing tools are an error naming the packages.
 */
export function findHostToolchain(): Promise<Toolchain> {
  hostToolchain ??= locateHostToolchain();
  return hostToolchain;
}

async function locateHostToolchain(): Promise<Toolchain> {
  const probe = await probeHostToolchain();
  if (probe.missing.length === 0) return makeHostToolchain(probe.binDir);
  const detail =
    probe.missing.length < LLVM_TOOLS.length ? `${probe.binDir} has clang but lacks ${probe.missing.join(', ')}` : `no clang was found in ${process.env['ROOTFS_ENGINE_HOST_LLVM'] ?? '/usr/lib/llvm-*/bin'}`;
  const packages = [...new Set(LLVM_TOOLS.map((tool) => llvmToolPackage(tool)))];
  throw new EngineError(
    'MISSING_TOOL',
    `The host toolchain profile needs LLVM's clang, lld and tools, and ${detail}. ` +
      `On Debian 12 run: apt-get install -y ${packages.join(' ')} (or \`rootfs-engine doctor --fix\`); ` +
      `elsewhere set ROOTFS_ENGINE_HOST_LLVM to a directory holding ${LLVM_TOOLS.join(', ')}.`,
  );
}

async function makeHostToolchain(binDir: string): Promise<Toolchain> {
  const clang = path.join(binDir, 'clang');
  const version = await execa(clang, ['--version'], { reject: false });
  const match = /clang version (\d+)\.(\d+)\.(\d+)/.exec(String(version.stdout));
  if (!match) {
    throw new EngineError('MISSING_TOOL', `${clang} --version did not print a clang version (${String(version.stderr || version.stdout).slice(0, 200)}). Check the host LLVM installation.`);
  }
  let identity: Promise<string> | undefined;
  return {
    name: 'host',
    binDir,
    major: match[1]!,
    description: `host LLVM ${match[1]}.${match[2]}.${match[3]} (${binDir})`,
    identity: () => {
      identity ??= hostIdentity(binDir, String(version.stdout));
      return identity;
    },
  };
}

/** Versions and resolved paths of every tool: a Debian update of clang changes the keys. */
async function hostIdentity(binDir: string, clangVersion: string): Promise<string> {
  const parts = [clangVersion.trim()];
  for (const tool of LLVM_TOOLS) {
    const real = await fs.realpath(path.join(binDir, tool));
    const stat = await fs.stat(real);
    parts.push(`${tool} -> ${real} (${stat.size} bytes)`);
  }
  const lld = await execa(path.join(binDir, 'ld.lld'), ['--version'], { reject: false });
  parts.push(String(lld.stdout).trim());
  return parts.join('\n');
}

/** The LLVM a stage built, installed in out/<stage>/usr/bin (a token path until run). */
export function stageToolchain(stage: string, outDir: string, major: string): Toolchain {
  return {
    name: stage,
    binDir: path.join(outDir, 'usr', 'bin'),
    major,
    description: `LLVM built by ${stage}`,
    // The llvm@<stage> node is a dependency of every node that uses this toolchain,
    // so its output hash is already in their keys.
    identity: async () => `llvm@${stage}`,
  };
}
