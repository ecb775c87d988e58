/**
 * Issue #7's base set on the 32-bit targets, the heavy part: curl with the openssl
 * and zlib recipes for i386-linux-musl and armv7-linux-musleabihf (host toolchain
 * profile). OpenSSL's assembler routines differ per architecture (x86 perlasm
 * without PIC on i386, linux-armv4 on armv7), so openssl checks digests and a
 * cipher against Node's own OpenSSL, not just its version. curl fetches over plain
 * HTTP (gzip-encoded, which its zlib decodes) and over HTTPS from a local server
 * whose certificate the target's openssl made, with that certificate as its only
 * CA, and is refused with another CA. i386 programs run on the host's x86_64
 * kernel, armv7 ones under qemu-arm-static.
 *
 * (make, xz and zlib for these targets are light: test/e2e/packages-base.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BYTE_PAYLOAD as PAYLOAD, E2E_BUILD, engine, expectOk, expectStaticElf, runIn, scratchDir } from '../helpers/e2e.ts';
import { serveFiles, type LocalFileServer } from '../helpers/file-server.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const TRIPLES = ['i386-linux-musl', 'armv7-linux-musleabihf'] as const;

/** A compressible text (the byte payload is the shared BYTE_PAYLOAD). */
const TEXT = Buffer.from(Array.from({ length: 400 }, (_, i) => `line ${i} of a text worth compressing`).join('\n'));

const servers: LocalFileServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe.sequential('host toolchain: curl and openssl for the 32-bit targets (issue #7 base set)', { timeout: 120 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    const openssl = (args: readonly string[], cwd: string): Promise<string> =>
      expectOk(runIn(triple, bin('openssl'), args, { cwd, env: { OPENSSL_CONF: path.join(out, 'etc/ssl/openssl.cnf') } }));
    let work = '';
    scratchDir(`base-32bit-${triple}-`, (dir) => {
      work = dir;
    });

    it(`${triple}: builds curl, openssl and zlib static`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'curl', '--target', triple, '--toolchain', 'host'], undefined, 120 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`curl, openssl, zlib for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      for (const program of ['curl', 'openssl']) await expectStaticElf(target, bin(program));
      for (const library of ['libcrypto.a', 'libssl.a', 'libcurl.a', 'libz.a']) {
        expect((await fs.stat(path.join(out, 'usr/lib', library))).isFile(), library).toBe(true);
      }
      for (const shared of ['libcrypto.so', 'libssl.so', 'libcurl.so', 'libz.so']) {
        await expect(fs.access(path.join(out, 'usr/lib', shared)), shared).rejects.toThrow();
      }
      await fs.mkdir(path.join(work, 'served'));
      await fs.writeFile(path.join(work, 'payload.bin'), PAYLOAD);
      await fs.writeFile(path.join(work, 'served/payload.bin'), PAYLOAD);
      await fs.writeFile(path.join(work, 'served/text.txt'), TEXT);
    });

    it(`${triple}: openssl hashes and encrypts with the same results as Node's OpenSSL`, async () => {
      expect(await openssl(['version'], work)).toMatch(/^OpenSSL 3\.5\.7 /);
      await fs.writeFile(path.join(work, 'abc.txt'), 'abc');
      // FIPS 180-2's SHA-256 test vector.
      expect((await openssl(['dgst', '-sha256', '-r', 'abc.txt'], work)).trim()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad *abc.txt');
      // Each of these has its own assembler routine on x86 and ARM.
      for (const digest of ['sha1', 'sha256', 'sha512', 'sha3-256']) {
        const expected = createHash(digest).update(PAYLOAD).digest('hex');
        expect((await openssl(['dgst', `-${digest}`, '-r', 'payload.bin'], work)).trim(), digest).toBe(`${expected} *payload.bin`);
      }
      for (const cipher of ['aes-256-cbc', 'chacha20']) {
        const key = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
        const iv = 'f0e0d0c0b0a090807060504030201000';
        await openssl(['enc', `-${cipher}`, '-K', key, '-iv', iv, '-in', 'payload.bin', '-out', `payload.${cipher}`], work);
        const node = createCipheriv(cipher, Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
        expect((await fs.readFile(path.join(work, `payload.${cipher}`))).equals(Buffer.concat([node.update(PAYLOAD), node.final()])), cipher).toBe(true);
        await openssl(['enc', '-d', `-${cipher}`, '-K', key, '-iv', iv, '-in', `payload.${cipher}`, '-out', `payload.${cipher}.dec`], work);
        expect((await fs.readFile(path.join(work, `payload.${cipher}.dec`))).equals(PAYLOAD), cipher).toBe(true);
      }
    });

    it(`${triple}: curl lists OpenSSL and zlib, and fetches over HTTP with gzip encoding`, async () => {
      const version = await expectOk(runIn(triple, bin('curl'), ['-V']));
      expect(version.split('\n')[0]).toMatch(/^curl 8\.14\.1 .*OpenSSL\/3\.5\.7 zlib\/1\.3\.1/);
      expect(version).toMatch(/^Protocols:.*\bhttps\b/m);
      expect(version).toMatch(/^Features:.*\bSSL\b/m);
      expect(version).toMatch(/^Features:.*\blibz\b/m);
      const server = await serveFiles(path.join(work, 'served'), { gzip: true });
      servers.push(server);
      await expectOk(runIn(triple, bin('curl'), ['-sS', '--compressed', '-o', 'text.txt', `${server.url}/text.txt`], { cwd: work }));
      expect(server.lastEncoding()).toBe('gzip');
      expect((await fs.readFile(path.join(work, 'text.txt'))).equals(TEXT)).toBe(true);
      const missing = await runIn(triple, bin('curl'), ['-sS', '-f', '-o', '/dev/null', `${server.url}/no-such-file`]);
      expect(missing.exitCode, missing.stderr).toBe(22);
    });

    it(`${triple}: curl fetches over HTTPS with the target openssl's certificate as its only CA`, async () => {
      const subject = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost'];
      for (const name of ['server', 'other']) {
        await openssl([...subject, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', `${name}-key.pem`, '-out', `${name}-cert.pem`], work);
      }
      const tls = { key: await fs.readFile(path.join(work, 'server-key.pem')), cert: await fs.readFile(path.join(work, 'server-cert.pem')) };
      const server = await serveFiles(path.join(work, 'served'), { tls, gzip: true });
      servers.push(server);
      await expectOk(runIn(triple, bin('curl'), ['-sS', '--cacert', 'server-cert.pem', '-o', 'fetched.bin', `${server.url}/payload.bin`], { cwd: work }));
      expect((await fs.readFile(path.join(work, 'fetched.bin'))).equals(PAYLOAD)).toBe(true);
      // Another CA than the server's: the peer is refused (60).
      const refused = await runIn(triple, bin('curl'), ['-sS', '--cacert', 'other-cert.pem', '-o', '/dev/null', `${server.url}/payload.bin`], { cwd: work });
      expect(refused.exitCode, refused.stderr).toBe(60);
    });
  }
});
