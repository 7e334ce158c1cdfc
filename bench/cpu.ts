import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks of all cores since boot: those with no work (`idle`) and all of them (`total`). */
export interface CpuMark {
  idle: number;
  total: number;
}

/** The machine's CPU counters now (Linux `/proc/stat`), or null where there is no such file. */
export function cpuMark(): CpuMark | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the time no core had work.
    return { idle: fields[3] + (fields[4] ?? 0), total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
  } catch {
    return null;
  }
}

/** How busy the whole machine was since `start`, as "N% of C cores", or null where it cannot be read. */
export function busySince(start: CpuMark | null): string | null {
  const end = cpuMark();
  if (!start || !end || end.total <= start.total) return null;
  const busy = 1 - (end.idle - start.idle) / (end.total - start.total);
  return `${Math.round(busy * 100)}% of ${cpus().length} cores`;
}

/** Linux reports a process's CPU time in /proc/<pid>/stat in units of USER_HZ, which the kernel fixes at 100. */
const USER_HZ = 100;

/**
 * The CPU time a process has used so far, all its threads (the event loop and libuv's pool, where WebCrypto signs),
 * in microseconds, from Linux `/proc/<pid>/stat`; null without a pid or where the file cannot be read. Its unit is
 * 10 ms, so a figure over a few seconds of load is good to about 1%.
 */
export function processCpuMicros(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * (1_000_000 / USER_HZ) : null;
  } catch {
    return null;
  }
}
