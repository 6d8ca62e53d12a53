/**
 * Formats replies exactly as redis-cli 7.0 prints them (redis-cli.c cliFormatReplyTTY and cliFormatReplyRaw).
 * Output uses "\n" line ends; a terminal front end converts them.
 */
import type { Reply } from '../../engine/resp/reply-parser.ts';
import type { ByteString } from '../../engine/types/bytes.ts';
import { repr } from '../../engine/types/repr.ts';

/** sdscatrepr, shared with the engine (MONITOR, CLIENT LIST quote the same way). */
export { repr };

/** cliIsMultilineValueTTY: whether a map's value starts on its own line (it would take several lines). */
function isMultiline(r: Reply): boolean {
  // A chain of one-element aggregates is followed down without recursion (a script can nest 8,000 of them).
  for (;;) {
    if (r.type === 'array' || r.type === 'set' || r.type === 'push') {
      if (r.value.length !== 1) return r.value.length > 1;
      r = r.value[0];
    } else if (r.type === 'map') {
      if (r.value.length !== 1) return r.value.length > 1;
      r = r.value[0][1];
    } else return false;
  }
}

/** A scalar as redis-cli prints it in a terminal, with its newline. */
function scalarTTY(r: Exclude<Reply, { type: 'array' | 'set' | 'push' | 'map' | 'attribute' }>): string {
  switch (r.type) {
    case 'error':
      return `(error) ${r.value}\n`;
    case 'status':
      return `${r.value}\n`;
    case 'integer':
      return `(integer) ${r.value}\n`;
    case 'double':
      return `(double) ${r.value}\n`;
    case 'bulk':
      return `${repr(r.value)}\n`;
    case 'verbatim':
      return `${r.value}\n`;
    case 'nil':
      return '(nil)\n';
    case 'bool':
      return r.value ? '(true)\n' : '(false)\n';
    case 'bignum':
      return `(big number) ${r.value}\n`;
  }
}

/** An aggregate being printed: its elements (a map flattened to key, value, ...), the next one, its layout. */
interface OpenTTY {
  elements: Reply[];
  next: number;
  prefix: string;
  childPrefix: string;
  idxlen: number;
  sep: string;
  isMap: boolean;
  /** A map's key was printed; its value comes next. */
  afterKey: boolean;
}

/**
 * Interactive (TTY) formatting, as cliFormatReplyTTY prints it. `prefix` is the indentation of nested elements.
 * Nested aggregates are walked with an explicit stack, so any depth prints.
 */
export function formatReplyTTY(root: Reply, rootPrefix = ''): string {
  const out: string[] = [];
  const stack: OpenTTY[] = [];
  const visit = (reply: Reply, prefix: string): void => {
    let r = reply;
    while (r.type === 'attribute') r = r.reply;
    if (r.type !== 'array' && r.type !== 'set' && r.type !== 'push' && r.type !== 'map') {
      out.push(scalarTTY(r));
      return;
    }
    // Maps are flattened to key, value, key, value as hiredis presents them.
    const elements: Reply[] = r.type === 'map' ? r.value.flat() : r.value;
    if (elements.length === 0) {
      out.push(r.type === 'array' ? '(empty array)\n' : r.type === 'map' ? '(empty hash)\n' : r.type === 'set' ? '(empty set)\n' : '(empty push)\n');
      return;
    }
    const count = r.type === 'map' ? elements.length / 2 : elements.length;
    const idxlen = String(count).length;
    const sep = r.type === 'set' ? '~' : r.type === 'map' ? '#' : ')';
    stack.push({ elements, next: 0, prefix, childPrefix: prefix + ' '.repeat(idxlen + 2), idxlen, sep, isMap: r.type === 'map', afterKey: false });
  };
  visit(root, rootPrefix);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.next >= f.elements.length) {
      stack.pop();
      continue;
    }
    const element = f.elements[f.next];
    if (f.afterKey) {
      // The key's line ends in " => " instead of its newline; a value of several lines starts on the next one.
      f.afterKey = false;
      f.next++;
      out[out.length - 1] = out[out.length - 1].slice(0, -1) + ' => ';
      if (isMultiline(element)) out.push('\n' + f.childPrefix);
      visit(element, f.childPrefix);
      continue;
    }
    const human = (f.isMap ? f.next / 2 : f.next) + 1;
    // The first element's prefix was already written by the caller, with the parent's index.
    out.push(`${f.next === 0 ? '' : f.prefix}${String(human).padStart(f.idxlen)}${f.sep} `);
    f.next++;
    if (f.isMap) f.afterKey = true;
    visit(element, f.childPrefix);
  }
  return out.join('');
}

/**
 * cliFormatReplyRaw: values as they are, aggregates joined by newlines, map pairs as "key value", nil as
 * nothing. No final newline: the caller adds one in --raw/piped mode, and none for the commands redis-cli
 * always prints raw. Walked with an explicit stack, like formatReplyTTY.
 */
export function formatReplyRaw(root: Reply): string {
  const out: string[] = [];
  const stack: { elements: Reply[]; next: number; isMap: boolean }[] = [];
  const visit = (reply: Reply): void => {
    let r = reply;
    while (r.type === 'attribute') r = r.reply;
    switch (r.type) {
      case 'nil':
        return;
      case 'error':
        out.push(`${r.value}\n`);
        return;
      case 'status':
      case 'bulk':
      case 'verbatim':
      case 'double':
      case 'bignum':
        out.push(r.value);
        return;
      case 'integer':
        out.push(String(r.value));
        return;
      case 'bool':
        out.push(r.value ? '(true)' : '(false)');
        return;
      case 'map':
        stack.push({ elements: r.value.flat(), next: 0, isMap: true });
        return;
      default:
        stack.push({ elements: r.value, next: 0, isMap: false });
    }
  };
  visit(root);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.next >= f.elements.length) {
      stack.pop();
      continue;
    }
    // Elements are joined by newlines; a map's key and value by a space.
    if (f.next > 0) out.push(f.isMap && f.next % 2 === 1 ? ' ' : '\n');
    visit(f.elements[f.next++]);
  }
  return out.join('');
}

/**
 * Commands whose replies redis-cli prints raw even in interactive mode, because they are text meant to be read
 * as it is (redis-cli.c cliSendCommand): INFO, LOLWUT, CLUSTER NODES/INFO, CLIENT LIST/INFO, and a few more.
 */
export function printsRaw(argv: readonly string[]): boolean {
  const cmd = argv[0]?.toLowerCase() ?? '';
  const sub = argv[1]?.toLowerCase() ?? '';
  const n = argv.length;
  return (
    cmd === 'info' || cmd === 'lolwut' ||
    (n >= 2 && cmd === 'debug' && (sub === 'htstats' || sub === 'htstats-key' || sub === 'client-eviction')) ||
    (n >= 2 && cmd === 'memory' && (sub === 'malloc-stats' || sub === 'doctor')) ||
    (n === 2 && cmd === 'cluster' && (sub === 'nodes' || sub === 'info')) ||
    (n >= 2 && cmd === 'client' && (sub === 'list' || sub === 'info')) ||
    (n === 3 && cmd === 'latency' && sub === 'graph') ||
    (n === 2 && cmd === 'latency' && sub === 'doctor') ||
    (n >= 2 && cmd === 'proxy' && sub === 'info')
  );
}

/** What interactive redis-cli prints for the reply to `argv`. */
export function formatForCommand(argv: readonly string[], r: Reply): string {
  return printsRaw(argv) ? formatReplyRaw(r) : formatReplyTTY(r);
}
