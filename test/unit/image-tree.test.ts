import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleRootfs, makeExcluder, DEFAULT_EXCLUDES } from '../../sysroot/image/index.ts';
import { tempDir } from './image-helpers.ts';

let dir: string;
let outDir: string;
let skeleton: string;

async function put(root: string, rel: string, content = rel, mode = 0o644): Promise<void> {
  const p = path.join(root, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  await chmod(p, mode);
}

const exists = (p: string) => lstat(p).then(() => true, () => false);

beforeAll(async () => {
  dir = await tempDir('rfe-image-tree-');
  outDir = path.join(dir, 'out', 'x86_64-linux-musl');
  skeleton = path.join(dir, 'skel');
  await put(outDir, 'usr/bin/toybox', 'ELF toybox', 0o755);
  await symlink('toybox', path.join(outDir, 'usr/bin/ls'));
  await put(outDir, 'usr/bin/bash', 'ELF bash', 0o755);
  await put(outDir, 'usr/include/stdio.h');
  await put(outDir, 'usr/lib/libc.a');
  await put(outDir, 'usr/lib/crt1.o');
  await put(outDir, 'usr/lib/pkgconfig/uev.pc');
  await put(outDir, 'usr/lib/clang-resource/19/lib/linux/libclang_rt.builtins-x86_64.a');
  await put(outDir, 'usr/lib/keep.txt');
  await put(outDir, 'usr/lib/sub/nested.a'); // the default patterns are one directory deep
  await put(outDir, 'usr/share/man/man1/ls.1');
  await put(outDir, 'usr/share/doc/bash/README');
  await put(outDir, 'usr/share/terminfo/l/linux');
  await put(outDir, 'etc/finit.conf', 'from the package');
  await put(outDir, 'etc/package-default.conf');
  await put(skeleton, 'passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  await put(skeleton, 'shadow', 'root:*:19000::::::\n');
  await put(skeleton, 'finit.conf', 'from the skeleton');
  await put(skeleton, 'finit.d/test.conf', 'service /bin/true');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('assembleRootfs', () => {
  it('lays out the seed tree without development files', async () => {
    const dest = path.join(dir, 'rootfs');
    expect(await assembleRootfs({ outDir, dest, skeleton })).toBe(dest);
    for (const [rel, target] of [['bin', 'usr/bin'], ['lib', 'usr/lib'], ['sbin', 'usr/bin'], ['var/run', '/run'], ['usr/bin/ls', 'toybox']]) {
      expect(await readlink(path.join(dest, rel!))).toBe(target);
    }
    const modes: Record<string, number> = { dev: 0o755, proc: 0o555, sys: 0o555, tmp: 0o1777, run: 0o755, root: 0o700, etc: 0o755, '.': 0o755 };
    for (const [rel, mode] of Object.entries(modes)) {
      const st = await lstat(path.join(dest, rel));
      expect(st.isDirectory(), rel).toBe(true);
      expect((st.mode & 0o7777).toString(8), rel).toBe(mode.toString(8));
    }
    for (const gone of ['usr/include', 'usr/lib/libc.a', 'usr/lib/crt1.o', 'usr/lib/pkgconfig', 'usr/lib/clang-resource', 'usr/share/man', 'usr/share/doc']) {
      expect(await exists(path.join(dest, gone)), gone).toBe(false);
    }
    for (const kept of ['usr/lib/keep.txt', 'usr/lib/sub/nested.a', 'usr/share/terminfo/l/linux', 'etc/package-default.conf']) {
      expect(await exists(path.join(dest, kept)), kept).toBe(true);
    }
    expect((await lstat(path.join(dest, 'usr/bin/toybox'))).mode & 0o777).toBe(0o755);
    // The skeleton wins over what packages installed, and secrets get a private mode.
    expect(await readFile(path.join(dest, 'etc/finit.conf'), 'utf8')).toBe('from the skeleton');
    expect(await readFile(path.join(dest, 'etc/finit.d/test.conf'), 'utf8')).toBe('service /bin/true');
    expect((await lstat(path.join(dest, 'etc/shadow'))).mode & 0o777).toBe(0o600);
    expect((await lstat(path.join(dest, 'etc/passwd'))).mode & 0o777).toBe(0o644);
  });

  it('copies instead of hard-linking, so the out tree is never touched through the image tree', async () => {
    const dest = path.join(dir, 'rootfs-copy');
    await assembleRootfs({ outDir, dest });
    const src = await lstat(path.join(outDir, 'usr/bin/toybox'));
    const dst = await lstat(path.join(dest, 'usr/bin/toybox'));
    expect(dst.ino).not.toBe(src.ino);
    expect(src.nlink).toBe(1);
    await writeFile(path.join(dest, 'usr/bin/toybox'), 'changed');
    expect(await readFile(path.join(outDir, 'usr/bin/toybox'), 'utf8')).toBe('ELF toybox');
  });

  it('replaces an existing destination and leaves no temporary directories', async () => {
    const parent = path.join(dir, 'replace');
    const dest = path.join(parent, 'rootfs');
    await put(dest, 'stale-file');
    await assembleRootfs({ outDir, dest, skeleton });
    expect(await exists(path.join(dest, 'stale-file'))).toBe(false);
    expect(await exists(path.join(dest, 'usr/bin/bash'))).toBe(true);
    expect(await readdir(parent)).toEqual(['rootfs']);
  });

  it('takes another exclusion list', async () => {
    const dest = path.join(dir, 'rootfs-dev');
    await assembleRootfs({ outDir, dest, exclude: ['usr/share/*'] });
    expect(await exists(path.join(dest, 'usr/include/stdio.h'))).toBe(true);
    expect(await exists(path.join(dest, 'usr/lib/libc.a'))).toBe(true);
    expect(await exists(path.join(dest, 'usr/share'))).toBe(true);
    expect(await readdir(path.join(dest, 'usr/share'))).toEqual([]);
  });

  it('refuses an out tree whose top-level bin is a real directory', async () => {
    const bad = path.join(dir, 'bad-out');
    await put(bad, 'bin/tool', 'x', 0o755);
    await expect(assembleRootfs({ outDir: bad, dest: path.join(dir, 'bad-rootfs') })).rejects.toThrow(/needs bin -> usr\/bin/);
    expect(await exists(path.join(dir, 'bad-rootfs'))).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('matches exclusion patterns per path component', () => {
    const ex = makeExcluder(DEFAULT_EXCLUDES);
    expect(ex('usr/lib/libc.a')).toBe(true);
    expect(ex('usr/lib/sub/libc.a')).toBe(false);
    expect(ex('usr/lib/libc.a.txt')).toBe(false);
    expect(ex('usr/include')).toBe(true);
    expect(ex('usr/includes')).toBe(false);
  });
});

describe('assembleRootfs with only', () => {
  it("takes only the listed paths of the out tree (an image's own packages)", async () => {
    const dest = path.join(dir, 'only-rootfs');
    await assembleRootfs({ outDir, dest, only: new Set(['usr', 'usr/bin', 'usr/bin/toybox', 'usr/bin/ls']) });
    expect(await exists(path.join(dest, 'usr/bin/toybox'))).toBe(true);
    expect(await readlink(path.join(dest, 'usr/bin/ls'))).toBe('toybox');
    // Built into the same tree, but not by the listed packages.
    expect(await exists(path.join(dest, 'usr/bin/bash'))).toBe(false);
    expect(await exists(path.join(dest, 'usr/share/terminfo/l/linux'))).toBe(false);
    // The layout is there all the same.
    expect(await readlink(path.join(dest, 'bin'))).toBe('usr/bin');
  });
});
