/**
 * libedit (editline), the BSD line editing library: static libedit.a with its
 * readline-compatible header (editline/readline.h) and libedit.pc. Its terminal
 * handling comes from the ncurses recipe's libncurses.a.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const libedit = defineRecipe({
  name: 'libedit',
  version: '20221030-3.1',
  license: 'BSD-3-Clause',
  description: 'BSD editline line editing library',
  homepage: 'https://www.thrysoee.dk/editline/',
  source: {
    urls: ['https://www.thrysoee.dk/editline/libedit-20221030-3.1.tar.gz'],
    sha256: 'f0925a5adf4b1bf116ee19766b7daa766917aec198747943b1c4edf67a4be2bb',
    // Debian's orig tarball is byte-identical to the upstream release (bookworm's,
    // the version verified; its name only differs).
    debian: { package: 'libedit', version: '3.1-20221030-2' },
  },
  deps: ['ncurses'],
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        '--sysconfdir=/etc',
        ...STATIC_LIBRARY_ARGS,
        '--disable-examples',
        // libedit refuses a wchar_t that is not declared ISO 10646; musl's is, but
        // musl (having no stdc-predef.h) does not say so. As make-rootfs and buildroot.
        'CPPFLAGS=-D__STDC_ISO_10646__=201103L',
      ]),
    ],
    build: () => 'make',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
