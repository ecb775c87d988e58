import { promises as fs } from 'node:fs';
import { cachedSha256 } from '../engine/sources/verify.ts';
import { extractArchive } from '../engine/sources/extract.ts';
import { removeTree } from '../engine/sources/fsutil.ts';
const src = '/var/cache/rootfs-engine-test/distfiles/llvm-toolchain-19_19.1.7.orig.tar.xz';
const dir = '/tmp/rfe-bench4';
await removeTree(dir);
await fs.mkdir(dir, { recursive: true });
await fs.copyFile(src, `${dir}/big.tar.xz`);
for (const label of ['first check (hash)', 'second check (sidecar)']) {
  const t = performance.now();
  const r = await cachedSha256(`${dir}/big.tar.xz`);
  console.log(`${label}: hashed=${r?.hashed} ${Math.round(performance.now() - t)} ms`);
}
const t = performance.now();
await extractArchive(`${dir}/big.tar.xz`, `${dir}/tree`, { tmpDir: `${dir}/tmp` });
console.log(`extract 164 MB tar.xz (llvm 19): ${Math.round(performance.now() - t)} ms`);
const t2 = performance.now();
const { execFileSync } = await import('node:child_process');
await fs.mkdir(`${dir}/gnu`);
execFileSync('tar', ['-xJf', `${dir}/big.tar.xz`, '-C', `${dir}/gnu`, '--strip-components=1']);
console.log(`GNU tar -xJf same file: ${Math.round(performance.now() - t2)} ms`);
await removeTree(dir);
