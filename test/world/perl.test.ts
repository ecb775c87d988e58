/**
 * perl (issue #7), with the host toolchain profile: built fully static with every
 * core extension linked in (no dynamic loading), for x86_64-linux-musl and
 * cross for aarch64, i386 and armv7; the installed perl runs on the host (x86_64,
 * i386) and under qemu-user (aarch64, armv7) and really uses its core modules, XS
 * ones included.
 * Heavy (a cold perl build is many minutes): only in `npm run test:world`.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

// i386 runs on the host's kernel, armv7 under qemu-arm-static.
const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'i386-linux-musl', 'armv7-linux-musleabihf'] as const;

/** A script that uses the core modules and prints what can be checked exactly. */
const MODULES_SCRIPT = String.raw`
use strict;
use warnings;
use POSIX qw(floor ceil strftime);
use List::Util qw(sum max first reduce);
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha1_hex sha256_hex);
use Data::Dumper;
use Storable qw(freeze thaw dclone);
use Encode qw(encode decode);
use File::Temp qw(tempdir);
use IO::Compress::Gzip qw(gzip $GzipError);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use Time::HiRes qw(time sleep);

print "posix ", floor(-2.5), " ", ceil(2.1), " ", strftime("%Y-%m-%d", gmtime(86400 * 365)), "\n";
print "list ", sum(1 .. 10), " ", max(3, 9, 4), " ", first { $_ > 3 } (1, 5, 7); print " ", reduce { $a * $b } 1 .. 6; print "\n";
print "md5 ", md5_hex("abc"), "\n";
print "sha1 ", sha1_hex("abc"), "\n";
print "sha256 ", sha256_hex("abc"), "\n";
$Data::Dumper::Sortkeys = 1; $Data::Dumper::Indent = 0; $Data::Dumper::Terse = 1;
print "dumper ", Dumper({ b => [1, 2], a => "x" }), "\n";
my $data = { list => [1 .. 5], name => "rootfs" };
my $copy = thaw(freeze($data));
print "storable ", join(",", @{ $copy->{list} }), " ", $copy->{name}, " ", dclone($data)->{name}, "\n";
my $bytes = encode("UTF-8", "caf\x{e9} \x{263a}");
print "encode ", unpack("H*", $bytes), " ", length(decode("UTF-8", $bytes)), "\n";
my $dir = tempdir(CLEANUP => 1);
my $text = "rootfs-engine perl " x 1000;
my $gz = "$dir/text.gz";
gzip(\$text => $gz) or die "gzip: $GzipError";
my $back;
gunzip($gz => \$back) or die "gunzip: $GunzipError";
print "gzip ", ($back eq $text ? "same" : "different"), " ", (-s $gz < 200 ? "small" : "large"), "\n";
my $t0 = time;
sleep(0.05);
my $slept = time - $t0;
print "hires ", ($slept >= 0.04 && $slept < 5 ? "ok" : "bad $slept"), " ", ($t0 != int($t0) ? "fractional" : "whole"), "\n";
`;

const MODULES_EXPECTED = [
  'posix -3 3 1971-01-01',
  'list 55 9 5 720',
  'md5 900150983cd24fb0d6963f7d28e17f72',
  'sha1 a9993e364706816aba3e25717850c26c9cd0d89d',
  'sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  "dumper {'a' => 'x','b' => [1,2]}",
  'storable 1,2,3,4,5 rootfs rootfs',
  'encode 636166c3a920e298ba 6',
  'gzip same small',
  'hires ok fractional',
];

describe.sequential('host toolchain: perl, static with its core modules', { timeout: 4 * 60 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const perl = path.join(out, 'usr/bin/perl');
    // @INC names the image's /usr paths; run from out/<triple>, perl finds its
    // modules through PERL5LIB (the same directories under the out tree).
    const env = { PERL5LIB: [path.join(out, 'usr/lib/perl5/core_perl'), path.join(out, 'usr/share/perl5/core_perl')].join(':') };

    it(`${triple}: builds perl static, no dynamic loading`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'perl', '--target', triple, '--toolchain', 'host'], undefined, 4 * 60 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`perl for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'}), load ${os.loadavg()[0]!.toFixed(1)}`);
      const elf = await inspectElf(perl);
      expect(elf?.machine).toBe(target.elfMachine);
      expect(elf?.type).toBe('exec');
      expect(elf?.interpreter).toBeUndefined();
      expect(elf?.needed).toEqual([]);
      // No loadable extension anywhere in the tree.
      const shared = await execa('find', [path.join(out, 'usr/lib/perl5'), '-name', '*.so'], { reject: false });
      expect(String(shared.stdout)).toBe('');
    });

    it(`${triple}: perl -V: no dl, @INC in the image's /usr`, async () => {
      const version = await expectOk(runIn(triple, perl, ['-V'], { env }));
      expect(version).toContain('Summary of my perl5 (revision 5 version 40 subversion 1)');
      expect(version).toContain('usethreads');
      // PERL5LIB's two directories come first; then perl's own, which must be the image's.
      const inc = version.slice(version.indexOf('@INC:')).split('\n').slice(1).map((line) => line.trim()).filter(Boolean);
      expect(inc.slice(0, 2)).toEqual(env.PERL5LIB.split(':'));
      inc.splice(0, 2);
      expect(inc).toEqual([
        '/usr/lib/perl5/site_perl',
        '/usr/share/perl5/site_perl',
        '/usr/lib/perl5/vendor_perl',
        '/usr/share/perl5/vendor_perl',
        '/usr/lib/perl5/core_perl',
        '/usr/share/perl5/core_perl',
      ]);
      expect((await expectOk(runIn(triple, perl, ['-V:usedl', '-V:dynamic_ext'], { env }))).trim()).toBe("usedl='undef';\ndynamic_ext='';");
      const statics = await expectOk(runIn(triple, perl, ['-MConfig', '-e', 'print $Config{static_ext}'], { env }));
      for (const ext of ['POSIX', 'List/Util', 'Digest/MD5', 'Digest/SHA', 'Data/Dumper', 'Storable', 'Encode', 'Compress/Raw/Zlib', 'Time/HiRes']) {
        expect(statics.split(' '), ext).toContain(ext);
      }
    });

    it(`${triple}: a one-liner`, async () => {
      const stdout = await expectOk(runIn(triple, perl, ['-le', 'my %n; $n{$_}++ for split //, "mississippi"; print join ",", map { "$_=$n{$_}" } sort keys %n']));
      expect(stdout.trim()).toBe('i=4,m=1,p=2,s=4');
    });

    it(`${triple}: core modules work (POSIX, List::Util, digests, Dumper, Storable, Encode, gzip, Time::HiRes)`, async () => {
      const work = await fs.mkdtemp(path.join(os.tmpdir(), `perl-${triple}-`));
      const script = path.join(work, 'modules.pl');
      await fs.writeFile(script, MODULES_SCRIPT);
      const stdout = await expectOk(runIn(triple, perl, [script], { env }));
      expect(stdout.trim().split('\n')).toEqual(MODULES_EXPECTED);
      // perl's gzip output is a real gzip file: the host's gzip reads it.
      await expectOk(runIn(triple, perl, ['-MIO::Compress::Gzip=gzip', '-e', `gzip(\\"hello from perl\\n" => "${work}/hello.gz") or die`], { env }));
      expect(String((await execa('gzip', ['-dc', path.join(work, 'hello.gz')])).stdout)).toBe('hello from perl');
      await fs.rm(work, { recursive: true, force: true });
    });
  }

  it('x86_64-linux-musl: with the tree as / (rootfs-engine shell), perl finds its modules through its own @INC', async () => {
    // toybox provides the /usr/bin/sh that `shell` needs.
    const toybox = await engine(['run', 'toybox', '--target', 'x86_64-linux-musl', '--toolchain', 'host']);
    expect(toybox.exitCode, `${toybox.stdout}\n${toybox.stderr}`).toBe(0);
    const inside = await engine(['shell', 'x86_64-linux-musl', '--', '/usr/bin/perl', '-MPOSIX=floor', '-MDigest::SHA=sha256_hex', '-MStorable=dclone', '-e', 'print floor(-1.5), " ", sha256_hex("abc"), " ", dclone([7])->[0], " $INC{q{POSIX.pm}}\n"']);
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(inside.stdout.trim()).toBe('-2 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 7 /usr/lib/perl5/core_perl/POSIX.pm');
  });
});
