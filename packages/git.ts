/**
 * Git, static, with the zlib recipe's compression and HTTPS transport through the
 * curl recipe's libcurl (and so the openssl recipe's TLS).
 *
 * Built with git's own Makefile, without its optional configure script: every
 * choice is a make variable, given to both build and install (the paths are
 * compiled in). The Makefile builds in the source tree, hence privateCopy.
 *
 * What is left out, and why:
 * - NO_PERL: git-send-email, git-svn and friends are Perl scripts and need Perl
 *   modules at run time; the build would also bake the build machine's perl path in.
 * - NO_PYTHON: git-p4 is a Python script.
 * - NO_TCLTK: gitk and git-gui need Tcl/Tk, which no recipe builds.
 * - NO_GETTEXT: no libintl in the place and no translations in the image
 *   (building them needs the build machine's msgfmt).
 * - NO_EXPAT (as make-rootfs): only git-http-push's WebDAV needs it.
 * - NO_ICONV (as make-rootfs): musl's iconv knows too few encodings for git's
 *   re-encoding of commit messages to be useful; UTF-8 is passed through.
 */
import { defineRecipe, type Context } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { removeRmrfPaths } from './autotools.ts';

/** The make variables of every git make run (build, check, install). */
function gitMakeVariables(ctx: Context): string[] {
  const { flags, target } = rootfsOf(ctx);
  return [
    'V=1',
    'prefix=/usr',
    // The Makefile sets CC, AR, CFLAGS and LDFLAGS itself: the place's must be
    // given on the command line to win.
    'CC=clang',
    'AR=llvm-ar',
    `CFLAGS=${flags.cflags.join(' ')}`,
    `LDFLAGS=${flags.ldflags.join(' ')}`,
    // Reported by `git version --build-options`: the target's, not the build machine's.
    `HOST_CPU=${target.triple.split('-')[0] ?? ''}`,
    'NO_PERL=YesPlease',
    'NO_PYTHON=YesPlease',
    'NO_TCLTK=YesPlease',
    'NO_GETTEXT=YesPlease',
    'NO_EXPAT=YesPlease',
    'NO_ICONV=YesPlease',
    // musl's regexec has no REG_STARTEND: git's bundled regex instead (as make-rootfs).
    'NO_REGEX=NeedsStartEnd',
    // libcurl is static: its own dependencies must follow it on the link line.
    // curl-config is not installed (it would print the build sysroot's paths), so
    // the flags are given directly and CURL_CONFIG answers nothing.
    'CURL_LDFLAGS=-lcurl -lssl -lcrypto -lz',
    'CURL_CFLAGS=-DCURL_STATICLIB',
    'CURL_CONFIG=/bin/false',
    // The built-ins as symbolic links to the one git binary, not hard links (a
    // copy each, once the install leaves the staging directory) and without the
    // dashed git-add, git-commit, ... names in libexec/git-core.
    'INSTALL_SYMLINKS=YesPlease',
    'SKIP_DASHED_BUILT_INS=YesPlease',
    // git-svn is left out with Perl: its tests too.
    'NO_SVN_TESTS=YesPlease',
  ];
}

export const git = defineRecipe({
  name: 'git',
  version: '2.47.3',
  license: 'GPL-2.0-only',
  description: 'distributed version control system',
  homepage: 'https://git-scm.com/',
  source: {
    urls: ['https://mirrors.edge.kernel.org/pub/software/scm/git/git-2.47.3.tar.xz', 'https://www.kernel.org/pub/software/scm/git/git-2.47.3.tar.xz'],
    // Debian's orig tarball's SHA-256: no published upstream checksum for
    // git-2.47.3.tar.xz was reachable to confirm the two are byte-identical. If
    // kernel.org's file differs, its fetch fails the check and the apt provider
    // supplies Debian's.
    sha256: '9c2eb1250781b3e5bfef098572d07fdf132d67e6c065e4307332ade9819a1501',
    debian: { package: 'git', version: '1:2.47.3-0+deb13u1' },
    privateCopy: true,
  },
  deps: ['zlib', 'curl', 'openssl'],
  tools: ['clang', 'make'],
  phases: {
    build: (ctx) => [['make', '-C', ctx.dirs.src, ...gitMakeVariables(ctx), 'all']],
    check: (ctx) => [['make', '-C', ctx.dirs.src, ...gitMakeVariables(ctx), 'test']],
    install: (ctx) => [['make', '-C', ctx.dirs.src, ...gitMakeVariables(ctx), `DESTDIR=${ctx.dirs.dest}`, 'install'], ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
