/**
 * ca-certificates: Mozilla's TLS server CAs as one PEM bundle in /etc/ssl/cert.pem
 * (the openssl recipe's default CA file), with Debian's name for it as a symlink.
 * Nothing is compiled, so the bundle is the same bytes for every target. The
 * build machine's openssl reads it back, certificate by certificate.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl'] as const;

/** The subjects of every certificate in a PEM bundle, as the host's openssl prints them. */
async function subjects(bundle: string): Promise<string[]> {
  const pkcs7 = await execa('openssl', ['crl2pkcs7', '-nocrl', '-certfile', bundle]);
  const printed = await execa('openssl', ['pkcs7', '-print_certs', '-noout'], { input: pkcs7.stdout });
  return printed.stdout.split('\n').filter((line) => line.startsWith('subject='));
}

describe.sequential('ca-certificates', { timeout: 30 * 60_000 }, () => {
  const digests: string[] = [];

  for (const triple of TRIPLES) {
    const out = path.join(E2E_BUILD, 'out', triple);
    const bundle = path.join(out, 'etc/ssl/cert.pem');

    it(`${triple}: installs Mozilla's TLS server CAs as /etc/ssl/cert.pem`, async () => {
      const run = await engine(['run', 'ca-certificates', '--target', triple, '--toolchain', 'host']);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      const text = await fs.readFile(bundle, 'utf8');
      const found = await subjects(bundle);
      // Every PEM block is a certificate openssl parses (NSS's set is ~150 roots).
      expect(found.length).toBe(text.match(/-----BEGIN CERTIFICATE-----/g)?.length);
      expect(found.length).toBeGreaterThan(100);
      expect(found).toContain('subject=C = US, O = Internet Security Research Group, CN = ISRG Root X1');
      // Trusted by NSS for e-mail only, not for TLS servers: left out.
      expect(found.join('\n')).not.toMatch(/SMIME/);
      // Debian's path for the same file (a relative symlink, valid inside the image).
      const debianName = path.join(out, 'etc/ssl/certs/ca-certificates.crt');
      expect(await fs.readlink(debianName)).toBe('../cert.pem');
      expect(await fs.readFile(debianName, 'utf8')).toBe(text);
      digests.push(createHash('sha256').update(text).digest('hex'));
    });
  }

  it('the bundle is the same bytes for every target', () => {
    expect(digests).toHaveLength(TRIPLES.length);
    expect(new Set(digests).size).toBe(1);
  });

  it("check: every server-auth CA of certdata.txt is in the bundle and verifies as a trust anchor", async () => {
    const check = await engine(['check', 'ca-certificates', '--target', TRIPLES[0], '--toolchain', 'host']);
    expect(check.exitCode, `${check.stdout}\n${check.stderr}`).toBe(0);
    expect(check.stdout).toContain(`The test suite of ca-certificates@${TRIPLES[0]} passed`);
  });
});
