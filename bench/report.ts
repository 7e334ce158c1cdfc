import type { LoadFigures } from './load.js';
import type { MagicLinkTiming } from './magic-link.js';

/** One printed line: a measured route, and the floor it is held against (none for a floor itself). */
export interface Row {
  label: string;
  figures: LoadFigures;
  floor?: LoadFigures;
  /** The ratio to the floor the issue asks for. */
  target?: number;
}

const HEAD = ['route', 'req/s', 'p50 ms', 'p99 ms', 'cpu µs', 'vs floor', 'target', 'result'];

const whole = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

function cells(row: Row): string[] {
  const { figures, floor, target } = row;
  const base = [row.label, whole(figures.requestsPerSecond), ms(figures.p50), ms(figures.p99), figures.serverMicros === undefined ? '-' : whole(figures.serverMicros)];
  if (!floor) return [...base, 'floor', '', ''];
  const ratio = figures.requestsPerSecond / floor.requestsPerSecond;
  const verdict = target === undefined ? '' : ratio >= target ? 'meets' : 'below';
  return [...base, `${ratio.toFixed(2)}x`, target === undefined ? '' : `>= ${target.toFixed(2)}x`, verdict];
}

/** A fixed-width table: text columns left-aligned, figures right-aligned. */
export function table(rows: Row[]): string {
  const grid = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, column) => Math.max(...grid.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) => (column === 0 || column >= 6 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  return [render(grid[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...grid.slice(1).map(render)].join('\n');
}

export function magicLinkTable(timing: MagicLinkTiming): string {
  const lines = [
    ['email', 'median ms', 'p99 ms'],
    ['registered', ms(timing.known.median), ms(timing.known.p99)],
    ['unregistered', ms(timing.unknown.median), ms(timing.unknown.p99)],
  ];
  const widths = [12, 9, 8];
  const render = (line: string[]) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const difference = timing.medianDifference;
  const verdict = Math.abs(difference) <= 1 ? 'meets' : 'below';
  return [
    render(lines[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    render(lines[1]),
    render(lines[2]),
    `difference of the medians: ${difference >= 0 ? '+' : ''}${difference.toFixed(3)} ms (target: within 1 ms) ${verdict}`,
  ].join('\n');
}
