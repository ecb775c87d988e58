/**
 * perl 5, fully static: -Uusedl, so every core extension (POSIX, List::Util,
 * Digest::MD5/SHA, Storable, Encode, Compress::Raw::Zlib, Time::HiRes...) is
 * linked into /usr/bin/perl and nothing is ever dlopen()ed.
 *
 * Layout (make-rootfs's): /usr/bin/perl; pure-Perl core modules in
 * /usr/share/perl5/core_perl, the architecture-dependent part (Config.pm, the .pm
 * side of the XS modules, CORE/ headers and libperl.a) in /usr/lib/perl5/core_perl,
 * and the vendor_perl / site_perl directories beside them. @INC holds exactly those
 * absolute paths under /usr (`perl -V` prints them): they are the image's paths,
 * not the build directory's, so a perl run outside the image needs PERL5LIB.
 *
 * Perl's Configure compiles and runs test programs. For the build machine's own
 * architecture they run directly (static musl programs run on any Linux). For a
 * foreign target Configure's cross-compile mode runs them "on a target host" with
 * `ssh`; the build gives it an ssh of its own (packages/files/perl/ssh) that runs
 * the command here under the target's qemu-user instead, and a build-machine
 * miniperl (Configure builds one with the host's cc) runs the build's Perl steps.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineRecipe, type Context } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { removeRmrfPaths } from './autotools.ts';

const FILES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files', 'perl');

/** Whether the place's programs run on the build machine as they are. */
function runsHere(ctx: Context): boolean {
  return rootfsOf(ctx).target.triple.startsWith(`${process.arch === 'x64' ? 'x86_64' : process.arch}-`);
}

/** Configure's arguments, the seed's (pkg/perl.mk) where they still apply. */
function configureArgs(ctx: Context): string[] {
  const facts = rootfsOf(ctx);
  const args = [
    '-des',
    '-Dprefix=/usr',
    '-Dprivlib=/usr/share/perl5/core_perl',
    '-Darchlib=/usr/lib/perl5/core_perl',
    '-Dvendorprefix=/usr',
    '-Dvendorlib=/usr/share/perl5/vendor_perl',
    '-Dvendorarch=/usr/lib/perl5/vendor_perl',
    '-Dsiteprefix=/usr',
    '-Dsitelib=/usr/share/perl5/site_perl',
    '-Dsitearch=/usr/lib/perl5/site_perl',
    // Nothing from the build machine's /usr/local may reach the target's include
    // or library search.
    '-Dlocincpth= ',
    '-Dloclibpth= ',
    // Configure's header and library probes look in <sysroot>/usr/include and lib.
    `-Dsysroot=${facts.sysroot}`,
    '-Dcc=clang',
    '-Dld=clang',
    '-Dar=llvm-ar',
    '-Dnm=llvm-nm',
    '-Dranlib=llvm-ranlib',
    // The place's CFLAGS carry the target, sysroot and -static: every test program
    // of Configure is built as the real build is.
    `-Doptimize=${ctx.env['CFLAGS'] ?? ''}`,
    `-Dldflags=${ctx.env['LDFLAGS'] ?? ''}`,
    `-Dlibc=${facts.sysroot}/usr/lib/libc.a`,
    // musl's libc.a holds libm, libpthread and the rest: no extra -l probing.
    '-Dlibs=-lpthread -lm',
    '-Duselargefiles',
    '-Dusethreads',
    '-Dd_semctl_semun',
    // No manual pages (make-rootfs deletes them after every install anyway).
    '-Dman1dir=none',
    '-Dman3dir=none',
    // Configure reads libc.a's symbol table with nm by default; musl's weak aliases
    // confuse that, so every function is found by a link test instead.
    '-Uusenm',
    '-Ud_csh',
    '-Uuseshrplib',
    // No Berkeley DB or gdbm in the sysroot; the build machine's headers must not
    // make Configure believe otherwise.
    '-Ui_ndbm',
    '-Ui_gdbm',
    '-Ui_db',
    // No dynamic loading: every extension is static and linked into the binary.
    '-Uusedl',
  ];
  if (!runsHere(ctx)) {
    args.push(
      // Configure probes -fno-strict-aliasing, -pipe and -fstack-protector-strong by
      // linking with $cc and no ldflags, which cannot make a static foreign program:
      // the probe fails and perl would lose -fno-strict-aliasing, which its code needs.
      '-A',
      'ccflags=-fno-strict-aliasing -fstack-protector-strong',
      '-Dusecrosscompile',
      `-Dtargetarch=${facts.target.triple}`,
      // "localhost" through our ssh: test programs run here under qemu-user.
      '-Dtargethost=localhost',
      '-Dtargetrun=ssh',
      '-Dtargetto=cp',
      '-Dtargetfrom=cp',
      `-Dtargetdir=${ctx.dirs.obj}/target`,
    );
  }
  return args;
}

export const perl = defineRecipe({
  name: 'perl',
  version: '5.40.1',
  license: 'Artistic-1.0-Perl OR GPL-1.0-or-later',
  description: 'Practical Extraction and Report Language, with its core modules built in',
  homepage: 'https://www.perl.org/',
  source: {
    urls: ['https://www.cpan.org/src/5.0/perl-5.40.1.tar.xz'],
    // CPAN's perl-5.40.1.tar.xz.sha256.txt (also Buildroot's perl.hash).
    sha256: 'dfa20c2eef2b4af133525610bbb65dd13777ecf998c9c5b1ccf0d308e732ee3f',
    // Debian's orig tarball is byte-identical to the upstream release (same SHA-256).
    debian: { package: 'perl', version: '5.40.1-6+deb13u1' },
    // Perl builds in its source tree.
    privateCopy: true,
  },
  tools: ['clang', 'make', 'llvm-ar', 'llvm-nm', 'llvm-ranlib'],
  env: (ctx): Record<string, string> => (runsHere(ctx) ? {} : { QEMU_USER: rootfsOf(ctx).target.qemuUser }),
  phases: {
    configure: (ctx) => {
      const configure = `cd ${ctx.dirs.src} && ./Configure ${configureArgs(ctx).map(shellQuote).join(' ')}`;
      if (runsHere(ctx)) return [configure];
      return [
        `mkdir -p ${ctx.dirs.obj}/bin ${ctx.dirs.obj}/target`,
        `install -m 755 ${FILES}/ssh ${ctx.dirs.obj}/bin/ssh`,
        // Our ssh first on PATH (the whole command's: Configure writes scripts that call it).
        `export PATH=${ctx.dirs.obj}/bin:$PATH && ${configure}`,
      ];
    },
    build: (ctx) => `cd ${ctx.dirs.src} && PATH=${ctx.dirs.obj}/bin:$PATH make`,
    // Perl's own test suite (a long one), in parallel through its harness. Only where
    // the built perl runs here: the suite starts ./perl from Perl and from the shell
    // thousands of times, which qemu-user cannot follow without binfmt_misc.
    check: (ctx) => runsHere(ctx) && `cd ${ctx.dirs.src} && TEST_JOBS=2 make test_harness`,
    install: (ctx) => [
      `cd ${ctx.dirs.src} && PATH=${ctx.dirs.obj}/bin:$PATH make install DESTDIR=${ctx.dirs.dest}`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
