/**
 * libarchive (issue #7), with the host toolchain profile: static bsdtar, bsdcpio,
 * bsdcat and bsdunzip for every target, run on the host (x86_64, and i386 on its
 * x86_64 kernel) and under qemu-user (aarch64, armv7). They round-trip a small tree
 * through .tar.xz, .tar.gz, cpio and zip, agree with the host's GNU tar in both
 * directions, and a static program linked with the flags of the installed
 * libarchive.pc lists an archive. The 32-bit halves cost about 2 minutes each cold
 * (their xz and zlib usually come from packages-base.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BYTE_PAYLOAD, compileStatic, E2E_BUILD, engine, expectOk, expectStaticElf, runIn, scratchDir } from '../helpers/e2e.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'i386-linux-musl', 'armv7-linux-musleabihf'] as const;
const PROGRAMS = ['bsdtar', 'bsdcpio', 'bsdcat', 'bsdunzip'] as const;

/** The test tree: regular files (text, every byte value, empty, executable), a directory and a symlink. */
async function makeTree(root: string): Promise<void> {
  await fs.mkdir(path.join(root, 'sub/deeper'), { recursive: true });
  await fs.writeFile(path.join(root, 'a.txt'), 'hello from rootfs-engine\n');
  await fs.writeFile(path.join(root, 'sub/bytes.bin'), BYTE_PAYLOAD);
  await fs.writeFile(path.join(root, 'sub/deeper/empty'), '');
  await fs.writeFile(path.join(root, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  await fs.symlink('a.txt', path.join(root, 'link'));
}

/** The tree under `extracted` is the test tree: the same bytes, modes and link. */
async function expectSameTree(extracted: string, original: string): Promise<void> {
  for (const file of ['a.txt', 'sub/bytes.bin', 'sub/deeper/empty', 'run.sh']) {
    expect(await fs.readFile(path.join(extracted, file)), file).toEqual(await fs.readFile(path.join(original, file)));
  }
  expect((await fs.stat(path.join(extracted, 'run.sh'))).mode & 0o777).toBe(0o755);
  expect(await fs.readlink(path.join(extracted, 'link'))).toBe('a.txt');
}

describe.sequential('host toolchain: libarchive (bsdtar, bsdcpio, bsdcat, bsdunzip, libarchive.a)', { timeout: 30 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    let work = '';
    let tree = '';
    scratchDir(`libarchive-${triple}-`, async (dir) => {
      work = dir;
      tree = path.join(work, 'tree');
      await makeTree(tree);
    });

    it(`${triple}: builds static, with gzip and xz support`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'libarchive', '--target', triple, '--toolchain', 'host']);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`libarchive for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      for (const program of PROGRAMS) await expectStaticElf(target, bin(program));
      for (const file of ['usr/lib/libarchive.a', 'usr/include/archive.h', 'usr/include/archive_entry.h', 'usr/lib/pkgconfig/libarchive.pc']) {
        expect((await fs.stat(path.join(out, file))).isFile(), file).toBe(true);
      }
      for (const gone of ['usr/lib/libarchive.so', 'usr/lib/libarchive.la', 'usr/share/man/man1/bsdtar.1']) {
        await expect(fs.access(path.join(out, gone)), gone).rejects.toThrow();
      }
      // The version and the compression libraries linked in: zlib and liblzma, nothing else.
      expect((await expectOk(runIn(triple, bin('bsdtar'), ['--version']))).trim()).toBe('bsdtar 3.7.4 - libarchive 3.7.4 zlib/1.3.1 liblzma/5.8.1');
      expect((await expectOk(runIn(triple, bin('bsdcpio'), ['--version']))).trim()).toBe('bsdcpio 3.7.4 - libarchive 3.7.4 zlib/1.3.1 liblzma/5.8.1');
    });

    it(`${triple}: bsdtar round-trips a tree through .tar.xz and .tar.gz`, async () => {
      for (const [name, magic] of [
        ['tree.tar.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
        ['tree.tar.gz', Buffer.from([0x1f, 0x8b])],
      ] as const) {
        const archive = path.join(work, name);
        // -a: the compression from the suffix, done by the linked-in liblzma and zlib.
        await expectOk(runIn(triple, bin('bsdtar'), ['-caf', archive, '-C', tree, '.']));
        expect((await fs.readFile(archive)).subarray(0, magic.length), name).toEqual(magic);
        const listed = await expectOk(runIn(triple, bin('bsdtar'), ['-tf', archive]));
        expect(listed.split('\n').sort()).toEqual(['./', './a.txt', './link', './run.sh', './sub/', './sub/bytes.bin', './sub/deeper/', './sub/deeper/empty']);
        const extracted = path.join(work, `x-${name}`);
        await fs.mkdir(extracted);
        await expectOk(runIn(triple, bin('bsdtar'), ['-xpf', archive, '-C', extracted]));
        await expectSameTree(extracted, tree);
        // The host's GNU tar (with its own xz and gzip) reads it too.
        const host = path.join(work, `host-${name}`);
        await fs.mkdir(host);
        await execa('tar', ['-xf', archive, '-C', host]);
        await expectSameTree(host, tree);
      }
    });

    it(`${triple}: bsdtar reads archives made by the host's GNU tar`, async () => {
      for (const [name, flag] of [
        ['gnu.tar.xz', '-J'],
        ['gnu.tar.gz', '-z'],
        ['gnu.tar', ''],
      ] as const) {
        const archive = path.join(work, name);
        await execa('tar', ['-c', ...(flag ? [flag] : []), '-f', archive, '-C', tree, '.']);
        const extracted = path.join(work, `x-${name}`);
        await fs.mkdir(extracted);
        await expectOk(runIn(triple, bin('bsdtar'), ['-xpf', archive, '-C', extracted]));
        await expectSameTree(extracted, tree);
      }
    });

    it(`${triple}: bsdcpio, bsdunzip and bsdcat read what bsdtar writes`, async () => {
      const cpio = path.join(work, 'tree.cpio');
      await expectOk(runIn(triple, bin('bsdtar'), ['--format', 'newc', '-cf', cpio, '-C', tree, '.']));
      const fromCpio = path.join(work, 'x-cpio');
      await fs.mkdir(fromCpio);
      await expectOk(runIn(triple, bin('bsdcpio'), ['-idm', '-F', cpio], { cwd: fromCpio }));
      await expectSameTree(fromCpio, tree);

      const zip = path.join(work, 'tree.zip');
      await expectOk(runIn(triple, bin('bsdtar'), ['--format', 'zip', '-cf', zip, '-C', tree, '.']));
      const fromZip = path.join(work, 'x-zip');
      await expectOk(runIn(triple, bin('bsdunzip'), ['-q', '-d', fromZip, zip]));
      expect(await fs.readFile(path.join(fromZip, 'sub/bytes.bin'))).toEqual(BYTE_PAYLOAD);

      await fs.writeFile(path.join(work, 'note.txt'), 'compressed by the host\n');
      await execa('xz', ['-k', path.join(work, 'note.txt')]);
      await execa('gzip', ['-k', path.join(work, 'note.txt')]);
      for (const compressed of ['note.txt.xz', 'note.txt.gz']) {
        expect(await expectOk(runIn(triple, bin('bsdcat'), [path.join(work, compressed)])), compressed).toBe('compressed by the host');
      }
    });

    it(`${triple}: a static program linked with libarchive.pc's flags lists a .tar.xz`, async () => {
      const pkgConfig = await execa('pkg-config', ['--static', '--cflags', '--libs', 'libarchive'], {
        env: { PKG_CONFIG_SYSROOT_DIR: out, PKG_CONFIG_LIBDIR: path.join(out, 'usr/lib/pkgconfig'), PKG_CONFIG_PATH: '' },
      });
      const flags = String(pkgConfig.stdout).trim().split(/\s+/);
      // The static link needs liblzma and zlib after libarchive: the .pc must say so.
      expect(flags).toEqual(expect.arrayContaining(['-larchive', '-llzma', '-lz', `-I${out}/usr/include`]));
      expect(flags.indexOf('-larchive')).toBeLessThan(flags.indexOf('-llzma'));
      const source = path.join(work, 'list.c');
      await fs.writeFile(
        source,
        [
          '#include <stdio.h>',
          '#include <archive.h>',
          '#include <archive_entry.h>',
          'int main(int argc, char **argv) {',
          '  if (argc != 2) return 2;',
          '  struct archive *a = archive_read_new();',
          '  archive_read_support_filter_all(a);',
          '  archive_read_support_format_all(a);',
          '  if (archive_read_open_filename(a, argv[1], 10240) != ARCHIVE_OK) { fprintf(stderr, "%s\\n", archive_error_string(a)); return 1; }',
          '  struct archive_entry *entry;',
          '  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {',
          '    printf("%s %lld\\n", archive_entry_pathname(entry), (long long)archive_entry_size(entry));',
          '    archive_read_data_skip(a);',
          '  }',
          '  printf("%s, %s\\n", archive_filter_name(a, 0), archive_format_name(a));',
          '  archive_read_free(a);',
          '  return 0;',
          '}',
        ].join('\n'),
      );
      const program = await compileStatic(target, out, source, flags);
      const archive = path.join(work, 'listed.tar.xz');
      await execa('tar', ['--sort=name', '-cJf', archive, '-C', tree, 'a.txt', 'sub']);
      expect(await expectOk(runIn(triple, program, [archive]))).toBe(
        [`a.txt 25`, 'sub/ 0', `sub/bytes.bin ${BYTE_PAYLOAD.length}`, 'sub/deeper/ 0', 'sub/deeper/empty 0', 'xz, GNU tar format'].join('\n'),
      );
    });
  }
});
