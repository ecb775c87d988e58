import { describe, expect, it } from 'vitest';
import { nativeClangConfig, stage4ToolNodes } from '../../stages/stage4.ts';

describe('stage4', () => {
  it('maps a recipe’s tools to the stage3 nodes that install them, and leaves the rest to the tree', () => {
    expect(stage4ToolNodes(['clang', 'make', 'cmake', 'ninja', 'python3', '/usr/bin/m4', 'm4', 'ed'])).toEqual([
      'make@stage3',
      'cmake@stage3',
      'ninja@stage3',
      'python@stage3',
      'm4@stage3',
    ]);
    expect(stage4ToolNodes([])).toEqual([]);
  });

  it('makes a bare host clang the stage3 system’s native compiler, without warnings on compile-only runs', () => {
    const config = nativeClangConfig({ binDir: '/usr/lib/llvm-19/bin', nativeTriple: 'x86_64-linux-musl', resourceDir: '/usr/lib/clang-resource/19' }).split('\n');
    expect(config[0]).toBe('--start-no-unused-arguments');
    expect(config).toContain('--target=x86_64-linux-musl');
    expect(config).toContain('--sysroot=/');
    expect(config).toContain('-resource-dir=/usr/lib/clang-resource/19');
    expect(config).toContain('-static');
    expect(config).toContain('-rtlib=compiler-rt');
    expect(config.filter(Boolean).at(-1)).toBe('--end-no-unused-arguments');
  });
});
