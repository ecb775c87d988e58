/**
 * A tiny terminal for tests: replays what a renderer wrote (text, \n, \r, cursor
 * up, erase line, colours) onto a grid of lines, and remembers every time the
 * cursor went above the first line the renderer wrote on (it must never touch
 * what was on the screen before it).
 */
export class AnsiScreen {
  readonly lines: string[];
  private row: number;
  private col = 0;
  private readonly floor: number;
  readonly violations: string[] = [];

  constructor(before: string[] = []) {
    this.lines = [...before, ''];
    this.row = before.length;
    this.floor = before.length;
  }

  write(text: string): void {
    let i = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '\x1b') {
        const match = /^\x1b\[([0-9;]*)([A-Za-z])/.exec(text.slice(i));
        if (!match) throw new Error(`unknown escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        const [whole, arg, command] = match;
        const n = arg === '' ? 1 : Number(arg);
        if (command === 'A') {
          this.row -= n;
          if (this.row < this.floor) this.violations.push(`cursor up to row ${this.row}, above the renderer's first row ${this.floor}`);
        } else if (command === 'K') {
          if (arg !== '2') throw new Error(`erase-line variant ${arg} not modelled`);
          this.lines[this.row] = '';
        } else if (command === 'J') {
          this.violations.push('erase-to-end-of-screen used');
          this.lines.length = this.row + 1;
          this.lines[this.row] = this.lines[this.row]!.slice(0, this.col);
        } else if (command !== 'm') {
          throw new Error(`escape ${whole} not modelled`);
        }
        i += whole!.length;
        continue;
      }
      if (ch === '\n') {
        this.row += 1;
        this.col = 0;
        if (this.lines.length <= this.row) this.lines.push('');
      } else if (ch === '\r') {
        this.col = 0;
      } else {
        const line = this.lines[this.row] ?? '';
        this.lines[this.row] = line.slice(0, this.col).padEnd(this.col) + ch + line.slice(this.col + 1);
        this.col += 1;
      }
      i += 1;
    }
  }

  /** The visible lines, without trailing empty ones. */
  text(): string[] {
    const out = [...this.lines];
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }
}
