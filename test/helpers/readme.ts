/**
 * The README's code blocks, as the README runner sees them. The convention (documented in the README under
 * "Code blocks in this README"):
 * - a block fenced ```` ```sh run ```` is executed by test/readme.test.ts, in order, in one shell;
 * - ```` ```sh no-run ```` is shown and never executed (it installs, or needs a machine of its own);
 * - a plain ```` ```sh ```` block is never executed, and may not call `aforo-bridge`, `curl` or a mint sample
 *   outside the sections other teams own (listed in `UNCHECKED_SECTIONS`);
 * - every ```` ```ts ```` and ```` ```tsx ```` block is type-checked against the package's exports.
 */

export interface Block {
  /** The fence's info string, e.g. `sh run`. */
  info: string;
  code: string;
  /** The `##` heading the block sits under. */
  section: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Sections whose shell blocks the runner neither executes nor polices unless they are marked `run`. */
export const UNCHECKED_SECTIONS = ['Widgets', 'Resumable magic-link sessions', 'Embed Studio', 'Benchmarks'];

export function readmeBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]);
    if (heading) section = heading[1].trim();
    const open = /^(\s*)```(\S.*)?$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j].trim() !== '```') body.push(lines[j++].slice(indent.length));
    blocks.push({ info: (open[2] ?? '').trim(), code: body.join('\n'), section, line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Whether a shell block calls the CLI, curl or a mint sample: then it must say `run` or `no-run`. */
export function callsTheEngine(code: string): boolean {
  return /\baforo-bridge\b(?![/\w-])|\bcurl\b|examples\/mint\//.test(code);
}

/**
 * Fills the placeholders of a block from what earlier blocks printed:
 * - `PREFIX…` (a word ending in `…`, e.g. `sk_…`, `ek_live_…`) becomes the last value printed that starts with
 *   `PREFIX`;
 * - `<name>` becomes the last value printed as `name: value` (human output) or `"name": "value"` (JSON).
 * Anything left unfilled stays as written, so the command fails and the test names it.
 */
export function fillPlaceholders(code: string, printed: string): string {
  const withPrefixes = code.replace(/\b([a-z]+_(?:[a-z]+_)?)…/g, (whole, prefix: string) => {
    const found = [...printed.matchAll(new RegExp(`\\b${prefix}[A-Za-z0-9_-]+`, 'g'))];
    return found.length ? found[found.length - 1][0] : whole;
  });
  return withPrefixes.replace(/<([a-zA-Z][a-zA-Z0-9]*)>/g, (whole, name: string) => {
    const found = [...printed.matchAll(new RegExp(`(?:^${name}:[ \\t]+(\\S+)$|"${name}":\\s*"([^"]+)")`, 'gm'))];
    const last = found[found.length - 1];
    return last ? (last[1] ?? last[2]) : whole;
  });
}
