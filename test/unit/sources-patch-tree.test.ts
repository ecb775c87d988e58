import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatches, fingerprintTree, prepareSourceTree, privateCopy } from '../../engine/sources/index.ts';
import { compress, makeTar, sha256, tempDir } from './sources-helpers.ts';

let root: string;
beforeAll(async () => {
  root = await tempDir();
});
afterAll(async () => {
  // Shared trees are read-only: restore write bits so the cleanup can delete them.
  await fs.chmod(root, 0o755);
  const { removeTree } = await import('../../engine/sources/fsutil.ts');
  await removeTree(root);
});

const GOOD_PATCH = `--- a/hello.c
+++ b/hello.c
@@ -1,3 +1,3 @@
 #include <stdio.h>
-int main(void) { puts("hello"); return 0; }
+int main(void) { puts("hello, patched"); return 0; }
 /* end */
`;
const BAD_PATCH = `--- a/hello.c
+++ b/hello.c
@@ -1,3 +1,3 @@
 #include <stdio.h>
-int main(void) { puts("goodbye"); return 1; }
+int main(void) { puts("never applies"); return 2; }
 /* end */
`;
const HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n/* end */\n';

describe('applyPatches', () => {
  it('applies patches in order', async () => {
    const tree = path.join(root, 'p1');
    await fs.mkdir(tree);
    await fs.writeFile(path.join(tree, 'hello.c'), HELLO);
    await fs.writeFile(path.join(root, 'good.patch'), GOOD_PATCH);
    await applyPatches(tree, [path.join(root, 'good.patch')]);
    expect(await fs.readFile(path.join(tree, 'hello.c'), 'utf8')).toContain('hello, patched');
  });

  it('names the failing patch and shows the rejected hunk', async () => {
    const tree = path.join(root, 'p2');
    await fs.mkdir(tree);
    await fs.writeFile(path.join(tree, 'hello.c'), HELLO);
    await fs.writeFile(path.join(root, '0002-bad.patch'), BAD_PATCH);
    const err = await applyPatches(tree, [path.join(root, 'good.patch'), path.join(root, '0002-bad.patch')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PATCH_FAILED' });
    const msg = (err as Error).message;
    expect(msg).toContain('Patch 2 of 2');
    expect(msg).toContain(path.join(root, '0002-bad.patch'));
    expect(msg).toContain('hello.c.rej');
    expect(msg).toContain('-int main(void) { puts("goodbye"); return 1; }');
  });

  it('refuses a patch that is already applied (--forward)', async () => {
    const tree = path.join(root, 'p3');
    await fs.mkdir(tree);
    await fs.writeFile(path.join(tree, 'hello.c'), HELLO);
    await applyPatches(tree, [path.join(root, 'good.patch')]);
    await expect(applyPatches(tree, [path.join(root, 'good.patch')])).rejects.toMatchObject({ code: 'PATCH_FAILED' });
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fingerprintTree', () => {
  it('reads nothing for an unchanged tree and notices every kind of change', async () => {
    const dir = path.join(root, 'tree');
    await fs.mkdir(path.join(dir, 'src/sub'), { recursive: true });
    await fs.mkdir(path.join(dir, '.git'));
    await fs.writeFile(path.join(dir, '.git/HEAD'), 'ref: x');
    await fs.writeFile(path.join(dir, 'a.c'), 'int a;');
    await fs.writeFile(path.join(dir, 'src/b.c'), 'int b;');
    await fs.writeFile(path.join(dir, 'src/sub/c.c'), 'int c;');
    await fs.symlink('a.c', path.join(dir, 'link'));
    const cache = path.join(root, 'cache', 'tree.json');
    // Files written in the last 100 ms are "racily clean" and re-read; let them age.
    await sleep(150);

    const first = await fingerprintTree(dir, cache);
    expect(first.readCount).toBe(3);
    expect(Object.keys(first.files)).toEqual(['a.c', 'link', 'src', 'src/b.c', 'src/sub', 'src/sub/c.c']);
    expect(first.files.link).toBe('l:a.c');

    const second = await fingerprintTree(dir, cache);
    expect(second.readCount).toBe(0);
    expect(second.hash).toBe(first.hash);

    // Changed content (same size, so only mtime/content tell).
    await fs.writeFile(path.join(dir, 'src/b.c'), 'int B;');
    await sleep(150);
    const changed = await fingerprintTree(dir, cache);
    expect(changed.readCount).toBe(1);
    expect(changed.hash).not.toBe(first.hash);
    expect(changed.files['src/b.c']).not.toBe(first.files['src/b.c']);

    await fs.writeFile(path.join(dir, 'new.h'), '#define X');
    await sleep(150);
    const added = await fingerprintTree(dir, cache);
    expect(added.readCount).toBe(1);
    expect(added.hash).not.toBe(changed.hash);

    await fs.rm(path.join(dir, 'new.h'));
    const removed = await fingerprintTree(dir, cache);
    expect(removed.readCount).toBe(0);
    expect(removed.hash).toBe(changed.hash);

    await fs.chmod(path.join(dir, 'a.c'), 0o755);
    const moded = await fingerprintTree(dir, cache);
    expect(moded.hash).not.toBe(removed.hash);
    expect(moded.files['a.c']).toMatch(/^f:755:/);

    await fs.rm(path.join(dir, 'link'));
    await fs.symlink('src/b.c', path.join(dir, 'link'));
    const relinked = await fingerprintTree(dir, cache);
    expect(relinked.readCount).toBe(0);
    expect(relinked.hash).not.toBe(moded.hash);

    // .git is never part of the fingerprint.
    await fs.writeFile(path.join(dir, '.git/HEAD'), 'ref: y');
    expect((await fingerprintTree(dir, cache)).hash).toBe(relinked.hash);
  });

  it('re-reads a file written just before the scan (racy mtime)', async () => {
    const dir = path.join(root, 'racy');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'f'), 'x');
    const cache = path.join(root, 'cache', 'racy.json');
    expect((await fingerprintTree(dir, cache)).readCount).toBe(1);
    expect((await fingerprintTree(dir, cache)).readCount).toBe(1);
    await sleep(150);
    expect((await fingerprintTree(dir, cache)).readCount).toBe(1);
    expect((await fingerprintTree(dir, cache)).readCount).toBe(0);
  });

  it('honours an ignore list', async () => {
    const dir = path.join(root, 'ign');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'keep'), '1');
    const cache = path.join(root, 'cache', 'ign.json');
    const a = await fingerprintTree(dir, cache, { ignore: ['build.log'] });
    await fs.writeFile(path.join(dir, 'build.log'), 'noise');
    const b = await fingerprintTree(dir, cache, { ignore: ['build.log'] });
    expect(b.hash).toBe(a.hash);
  });
});

describe('prepareSourceTree and privateCopy', () => {
  it('extracts and patches once, then reuses the read-only tree', async () => {
    const tarball = path.join(root, 'hello-1.0.tar.gz');
    const data = compress(makeTar([{ path: 'hello-1.0/' }, { path: 'hello-1.0/hello.c', body: HELLO }]), 'gz');
    await fs.writeFile(tarball, data);
    const srcDir = path.join(root, 'src');
    const opts = { srcDir, archive: tarball, sha256: sha256(data), patches: [path.join(root, 'good.patch')], name: 'hello-1.0' };
    // Leftovers of a dead process's interrupted run are swept.
    await fs.mkdir(path.join(srcDir, '.tmp-999999-abc/tree'), { recursive: true });
    const a = await prepareSourceTree(opts);
    expect(a.reused).toBe(false);
    expect(a.topDir).toBe('hello-1.0');
    expect(path.basename(a.dir)).toBe(`hello-1.0-${a.key}`);
    expect(await fs.readFile(path.join(a.dir, 'hello.c'), 'utf8')).toContain('patched');
    expect((await fs.stat(path.join(a.dir, 'hello.c'))).mode & 0o222).toBe(0);
    expect((await fs.readdir(srcDir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    const b = await prepareSourceTree(opts);
    expect(b).toMatchObject({ dir: a.dir, key: a.key, reused: true, topDir: 'hello-1.0' });

    // Different patches (or none) are a different tree.
    const c = await prepareSourceTree({ ...opts, patches: [] });
    expect(c.key).not.toBe(a.key);
    expect(await fs.readFile(path.join(c.dir, 'hello.c'), 'utf8')).toBe(HELLO);

    const copy = path.join(root, 'obj', 'src');
    await privateCopy(a.dir, copy);
    await fs.writeFile(path.join(copy, 'hello.c'), 'mine');
    expect(await fs.readFile(path.join(a.dir, 'hello.c'), 'utf8')).toContain('patched');
  });

  it('patches a copy of a local tree, never the tree itself; an unpatched one is used in place', async () => {
    const local = path.join(root, 'local-src');
    await fs.mkdir(local);
    await fs.writeFile(path.join(local, 'hello.c'), HELLO);
    const srcDir = path.join(root, 'src3');
    const patched = await prepareSourceTree({ srcDir, dir: local, patches: [path.join(root, 'good.patch')], name: 'local' });
    expect(patched.dir.startsWith(srcDir)).toBe(true);
    expect(await fs.readFile(path.join(patched.dir, 'hello.c'), 'utf8')).toContain('patched');
    expect(await fs.readFile(path.join(local, 'hello.c'), 'utf8')).toBe(HELLO);
    const plain = await prepareSourceTree({ srcDir, dir: local });
    expect(plain.dir).toBe(local);
  });

  it('leaves no tree behind when a patch fails', async () => {
    const tarball = path.join(root, 'hello-2.0.tar.gz');
    const data = compress(makeTar([{ path: 'hello-2.0/' }, { path: 'hello-2.0/hello.c', body: HELLO }]), 'gz');
    await fs.writeFile(tarball, data);
    const srcDir = path.join(root, 'src2');
    await expect(
      prepareSourceTree({ srcDir, archive: tarball, sha256: sha256(data), patches: [path.join(root, '0002-bad.patch')] }),
    ).rejects.toMatchObject({ code: 'PATCH_FAILED' });
    expect(await fs.readdir(srcDir)).toEqual([]);
  });
});
