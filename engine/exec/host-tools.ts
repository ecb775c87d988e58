/**
 * Programs of the build host: finding one on a PATH, asking it for its version,
 * and the Debian package that provides the common build tools. Places and
 * commands add the packages of their own tools (see PlaceDefinition.hostPackages).
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Debian packages of generic build tools, by program name. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt',
  autoconf: 'autoconf',
  automake: 'automake',
  awk: 'gawk',
  bc: 'bc',
  bison: 'bison',
  bzip2: 'bzip2',
  cc: 'gcc',
  cmake: 'cmake',
  cp: 'coreutils',
  cpio: 'cpio',
  curl: 'curl',
  file: 'file',
  flex: 'flex',
  'g++': 'g++',
  gcc: 'gcc',
  git: 'git',
  gzip: 'gzip',
  libtool: 'libtool',
  m4: 'm4',
  make: 'make',
  meson: 'meson',
  ninja: 'ninja-build',
  openssl: 'openssl',
  patch: 'patch',
  perl: 'perl',
  'pkg-config': 'pkgconf',
  python3: 'python3',
  rsync: 'rsync',
  tar: 'tar',
  unshare: 'util-linux',
  unzip: 'unzip',
  xz: 'xz-utils',
  zstd: 'zstd',
};

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Where `tool` is on a colon-separated search path (or the path itself, if it has a
 * slash). `hostPath` maps a path as a sandboxed command sees it to the build
 * machine's (a place whose commands run inside another tree); the result is the
 * path as the command sees it.
 */
export async function findOnPath(tool: string, searchPath: string, hostPath: (inside: string) => string | undefined = (p) => p): Promise<string | undefined> {
  const exists = async (candidate: string): Promise<boolean> => {
    const onHost = hostPath(candidate);
    return onHost !== undefined && (await isExecutableFile(onHost));
  };
  if (tool.includes('/')) return (await exists(tool)) ? tool : undefined;
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/** Tools that print their version with something other than --version. */
const VERSION_ARGS: Readonly<Record<string, readonly string[]>> = {
  mke2fs: ['-V'],
  debugfs: ['-V'],
  bzip2: ['--help'],
  unzip: ['-v'],
  openssl: ['version'],
};

/**
 * The version a program reports, as the first `N.N[.N]` of its output, or the
 * first line when there is none; undefined when it prints nothing in 5 s.
 */
export async function toolVersion(file: string): Promise<string | undefined> {
  const args = VERSION_ARGS[path.basename(file)] ?? ['--version'];
  const result = await execa(file, [...args], { reject: false, stdin: 'ignore', timeout: 5000, env: { LC_ALL: 'C' } });
  const text = `${String(result.stdout ?? '')}\n${String(result.stderr ?? '')}`.trim();
  if (!text) return undefined;
  const match = /\d+\.\d+(?:\.\d+)?(?:[-+~.][0-9A-Za-z.]+)?/.exec(text);
  return match ? match[0] : text.split('\n')[0]!.slice(0, 60);
}
