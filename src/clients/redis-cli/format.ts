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
  if (r.type === 'array' || r.type === 'set' || r.type === 'push') {
    return r.value.length > 1 || (r.value.length === 1 && isMultiline(r.value[0]));
  }
  if (r.type === 'map') return r.value.length > 1 || (r.value.length === 1 && isMultiline(r.value[0][1]));
  return false;
}

/** Interactive (TTY) formatting. `prefix` is the indentation of nested elements. */
export function formatReplyTTY(r: Reply, prefix = ''): string {
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
    case 'attribute':
      return formatReplyTTY(r.reply, prefix);
    case 'array':
    case 'set':
    case 'push':
    case 'map': {
      // Maps are flattened to key, value, key, value as hiredis presents them.
      const elements: Reply[] = r.type === 'map' ? r.value.flat() : r.value;
      if (elements.length === 0) {
        return r.type === 'array' ? '(empty array)\n' : r.type === 'map' ? '(empty hash)\n' : r.type === 'set' ? '(empty set)\n' : '(empty push)\n';
      }
      const count = r.type === 'map' ? elements.length / 2 : elements.length;
      const idxlen = String(count).length;
      const childPrefix = prefix + ' '.repeat(idxlen + 2);
      const sep = r.type === 'set' ? '~' : r.type === 'map' ? '#' : ')';
      let out = '';
      for (let i = 0; i < elements.length; i++) {
        const human = (r.type === 'map' ? i / 2 : i) + 1;
        // The first element's prefix was already written by the caller, with the parent's index.
        out += `${i === 0 ? '' : prefix}${String(human).padStart(idxlen)}${sep} `;
        out += formatReplyTTY(elements[i], childPrefix);
        if (r.type === 'map') {
          i++;
          out = out.slice(0, -1) + ' => ';
          if (isMultiline(elements[i])) out += '\n' + childPrefix;
          out += formatReplyTTY(elements[i], childPrefix);
        }
      }
      return out;
    }
  }
}

/**
 * cliFormatReplyRaw: values as they are, aggregates joined by newlines, map pairs as "key value", nil as
 * nothing. No final newline: the caller adds one in --raw/piped mode, and none for the commands redis-cli
 * always prints raw.
 */
export function formatReplyRaw(r: Reply): string {
  switch (r.type) {
    case 'nil':
      return '';
    case 'error':
      return `${r.value}\n`;
    case 'status':
    case 'bulk':
    case 'verbatim':
    case 'double':
    case 'bignum':
      return r.value;
    case 'integer':
      return String(r.value);
    case 'bool':
      return r.value ? '(true)' : '(false)';
    case 'attribute':
      return formatReplyRaw(r.reply);
    case 'array':
    case 'set':
    case 'push':
      return r.value.map(formatReplyRaw).join('\n');
    case 'map':
      return r.value.map(([k, v]) => `${formatReplyRaw(k)} ${formatReplyRaw(v)}`).join('\n');
  }
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
