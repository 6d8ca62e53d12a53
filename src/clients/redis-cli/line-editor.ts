/**
 * A line editor in the manner of linenoise (which redis-cli uses), driven by the data an xterm.js terminal
 * reports for keystrokes and pastes. Pure: it receives input strings and writes ANSI output through a callback.
 *
 * Keys: printable text (including pastes and CJK), Enter, Backspace, Delete, Left/Right, Home/End, Up/Down
 * (history), Tab (cycles completions; any other key accepts the one shown), Ctrl-A/E/B/F/K/U/W/T/L/D/C.
 * Hints appear dimmed after the text (colour 90, as redis-cli asks linenoise for).
 */

export interface LineEditorOptions {
  prompt: string;
  write: (ansi: string) => void;
  hint?: (line: string) => string | null;
  complete?: (line: string) => string[];
  /** Terminal width in columns, for lines that wrap. */
  columns?: () => number;
}

export interface FeedResult {
  /** A line the user submitted with Enter. */
  submitted?: string;
  interrupted?: boolean;
  /** Ctrl-D on an empty line. */
  eof?: boolean;
}

/** Display width of a code point: 2 for East Asian wide and fullwidth characters, 0 for combining marks. */
export function charWidth(cp: number): number {
  if (cp === 0 || (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

const HISTORY_MAX = 100;

export class LineEditor {
  private prompt: string;
  /** The line as code points, so the cursor never splits a surrogate pair. */
  private buf: string[] = [];
  private pos = 0;
  private history: string[] = [];
  /** Index into history while browsing it; history.length = the line being edited. */
  private histIndex = 0;
  private editing: string[] = [];
  private completions: string[] | null = null;
  private completionIndex = 0;
  /** Rows the last render used above the cursor, to redraw from the start. */
  private cursorRow = 0;
  private pending = '';
  private hintsEnabled = true;

  constructor(private readonly opts: LineEditorOptions) {
    this.prompt = opts.prompt;
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
  }

  setHints(enabled: boolean): void {
    this.hintsEnabled = enabled;
  }

  /** Start a fresh line: print the prompt. */
  begin(): void {
    this.buf = [];
    this.pos = 0;
    this.cursorRow = 0;
    this.histIndex = this.history.length;
    this.opts.write(this.prompt);
  }

  get line(): string {
    return this.buf.join('');
  }

  addHistory(line: string): void {
    if (line.trim() === '') return;
    if (this.history[this.history.length - 1] === line) return;
    this.history.push(line);
    if (this.history.length > HISTORY_MAX) this.history.shift();
    this.histIndex = this.history.length;
  }

  getHistory(): readonly string[] {
    return this.history;
  }

  /** Feed terminal input; returns what happened (at most one submitted line per call; the rest is buffered). */
  feed(data: string): FeedResult {
    this.pending += data;
    while (this.pending.length > 0) {
      const { key, rest } = nextKey(this.pending);
      if (key === null) break; // an incomplete escape sequence: wait for more
      this.pending = rest;
      const r = this.onKey(key);
      if (r) return r;
    }
    return {};
  }

  private onKey(key: string): FeedResult | null {
    if (this.completions !== null) {
      if (key === '\t') {
        this.cycleCompletion();
        return null;
      }
      // Any other key accepts the completion shown, then acts normally.
      this.completions = null;
    }
    switch (key) {
      case '\r':
      case '\n': {
        const line = this.line;
        this.pos = this.buf.length;
        this.render(false);
        this.opts.write('\r\n');
        return { submitted: line };
      }
      case '\x03': // Ctrl-C
        this.pos = this.buf.length;
        this.render(false);
        this.opts.write('^C\r\n');
        return { interrupted: true };
      case '\x04': // Ctrl-D
        if (this.buf.length === 0) return { eof: true };
        this.deleteAt(this.pos);
        break;
      case '\x7f':
      case '\b':
        if (this.pos > 0) {
          this.buf.splice(this.pos - 1, 1);
          this.pos--;
        }
        break;
      case '\x1b[3~':
        this.deleteAt(this.pos);
        break;
      case '\x1b[D':
      case '\x02':
        if (this.pos > 0) this.pos--;
        break;
      case '\x1b[C':
      case '\x06':
        if (this.pos < this.buf.length) this.pos++;
        break;
      case '\x1b[H':
      case '\x1bOH':
      case '\x1b[1~':
      case '\x01':
        this.pos = 0;
        break;
      case '\x1b[F':
      case '\x1bOF':
      case '\x1b[4~':
      case '\x05':
        this.pos = this.buf.length;
        break;
      case '\x1b[A':
      case '\x10':
        this.browseHistory(-1);
        break;
      case '\x1b[B':
      case '\x0e':
        this.browseHistory(1);
        break;
      case '\x0b': // Ctrl-K: delete to end
        this.buf.length = this.pos;
        break;
      case '\x15': // Ctrl-U: delete whole line
        this.buf = [];
        this.pos = 0;
        break;
      case '\x17': { // Ctrl-W: delete previous word
        let p = this.pos;
        while (p > 0 && this.buf[p - 1] === ' ') p--;
        while (p > 0 && this.buf[p - 1] !== ' ') p--;
        this.buf.splice(p, this.pos - p);
        this.pos = p;
        break;
      }
      case '\x14': // Ctrl-T: swap characters
        if (this.pos > 0 && this.pos < this.buf.length) {
          [this.buf[this.pos - 1], this.buf[this.pos]] = [this.buf[this.pos], this.buf[this.pos - 1]];
          if (this.pos < this.buf.length - 1) this.pos++;
        }
        break;
      case '\x0c': // Ctrl-L: clear screen
        this.opts.write('\x1b[H\x1b[2J');
        this.cursorRow = 0;
        break;
      case '\t':
        this.startCompletion();
        return null;
      default:
        if (key.startsWith('\x1b') || (key.length === 1 && key.charCodeAt(0) < 32)) return null; // unhandled
        for (const ch of key) {
          if (ch === '\r' || ch === '\n') continue;
          this.buf.splice(this.pos, 0, ch);
          this.pos++;
        }
    }
    this.render(true);
    return null;
  }

  private deleteAt(p: number): void {
    if (p < this.buf.length) this.buf.splice(p, 1);
  }

  private browseHistory(dir: -1 | 1): void {
    if (this.history.length === 0) return;
    if (this.histIndex === this.history.length) this.editing = [...this.buf];
    const next = Math.min(this.history.length, Math.max(0, this.histIndex + dir));
    if (next === this.histIndex) return;
    this.histIndex = next;
    this.buf = next === this.history.length ? [...this.editing] : [...this.history[next]];
    this.pos = this.buf.length;
  }

  private startCompletion(): void {
    const options = this.opts.complete?.(this.line) ?? [];
    if (options.length === 0) {
      this.opts.write('\x07');
      return;
    }
    this.editing = [...this.buf];
    this.completions = options;
    this.completionIndex = 0;
    this.showCompletion();
  }

  private cycleCompletion(): void {
    const list = this.completions!;
    this.completionIndex = (this.completionIndex + 1) % (list.length + 1);
    if (this.completionIndex === list.length) {
      // Past the last one: show what was typed, as linenoise does (with a beep).
      this.opts.write('\x07');
      this.buf = [...this.editing];
      this.pos = this.buf.length;
      this.render(true);
      return;
    }
    this.showCompletion();
  }

  private showCompletion(): void {
    this.buf = [...this.completions![this.completionIndex]];
    this.pos = this.buf.length;
    this.render(true);
  }

  /** Redraw prompt, text and hint from the line's first row, then put the cursor where it belongs. */
  private render(withHint: boolean): void {
    const cols = Math.max(10, this.opts.columns?.() ?? 80);
    const text = this.line;
    const hint = withHint && this.hintsEnabled && this.opts.hint ? this.opts.hint(text) : null;
    let out = '';
    if (this.cursorRow > 0) out += `\x1b[${this.cursorRow}A`;
    out += '\r\x1b[J' + this.prompt + text;
    if (hint) out += `\x1b[90m${hint}\x1b[0m`;
    const promptWidth = textWidth(this.prompt);
    const endCol = promptWidth + textWidth(text) + (hint ? textWidth(hint) : 0);
    const cursorCol = promptWidth + textWidth(this.buf.slice(0, this.pos).join(''));
    // Where the terminal's cursor is after writing everything, and where it should be.
    const endRow = Math.floor(Math.max(0, endCol - 1) / cols);
    const atEndRow = endCol > 0 && endCol % cols === 0 ? endRow : Math.floor(endCol / cols);
    const wantRow = Math.floor(cursorCol / cols);
    const wantCol = cursorCol % cols;
    if (atEndRow > wantRow) out += `\x1b[${atEndRow - wantRow}A`;
    out += '\r';
    if (wantCol > 0) out += `\x1b[${wantCol}C`;
    this.cursorRow = wantRow;
    this.opts.write(out);
  }
}

/** Splits off one key: an escape sequence, a control character, or a run of printable text. */
function nextKey(s: string): { key: string | null; rest: string } {
  if (s[0] === '\x1b') {
    if (s.length === 1) return { key: '\x1b', rest: '' };
    if (s[1] === '[' || s[1] === 'O') {
      const m = /^\x1b[[O][0-9;]*[~A-Za-z]/.exec(s);
      if (!m) return s.length < 8 ? { key: null, rest: s } : { key: s.slice(0, 2), rest: s.slice(2) };
      return { key: m[0], rest: s.slice(m[0].length) };
    }
    return { key: s.slice(0, 2), rest: s.slice(2) };
  }
  const c = s.charCodeAt(0);
  if (c < 32 || c === 0x7f) return { key: s[0], rest: s.slice(1) };
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 32 && s.charCodeAt(i) !== 0x7f && s[i] !== '\x1b') i++;
  return { key: s.slice(0, i), rest: s.slice(i) };
}
