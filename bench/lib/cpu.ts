/**
 * CPU time of named groups of processes (a process and its descendants, or a list of pids)
 * and of the whole machine, from /proc (Linux), so that a benchmark can say which process
 * was busy during each of its phases and how busy the rest of the machine was.
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

const TICK_MS = 1000 / 100; // USER_HZ

async function procStat(pid: number): Promise<{ ppid: number; cpuMs: number; rssKiB: number } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name, counted from state (index 0): ppid 1, utime 11, stime 12, rss 21 (pages).
  return { ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS, rssKiB: Number(f[21]) * 4 };
}

/** Every live pid with its parent and CPU time. */
async function processTable(): Promise<Map<number, { ppid: number; cpuMs: number; rssKiB: number }>> {
  const table = new Map<number, { ppid: number; cpuMs: number; rssKiB: number }>();
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = await procStat(pid);
    if (s) table.set(pid, s);
  }
  return table;
}

/** Busy and total jiffies of the machine (all CPUs), from /proc/stat. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
  const v = line.split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** A group: one root pid with all its descendants, or a list of pids got fresh at each sample. */
export type Group = { root: number } | { pids: () => Promise<number[]> };

export interface CpuSample {
  at: number;
  /** Per group, the CPU time of each of its pids. */
  groups: Map<string, { cpuMs: Map<number, number>; rssKiB: number }>;
  machine: { busy: number; total: number };
}

export async function sample(groups: Record<string, Group>): Promise<CpuSample> {
  const table = await processTable();
  const children = new Map<number, number[]>();
  for (const [pid, s] of table) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const out = new Map<string, { cpuMs: Map<number, number>; rssKiB: number }>();
  for (const [name, g] of Object.entries(groups)) {
    let pids: number[];
    if ('root' in g) {
      pids = [];
      for (const stack = [g.root]; stack.length; ) {
        const pid = stack.pop()!;
        pids.push(pid);
        stack.push(...(children.get(pid) ?? []));
      }
    } else {
      pids = await g.pids();
    }
    const cpuMs = new Map<number, number>();
    let rssKiB = 0;
    for (const pid of pids) {
      const s = table.get(pid);
      if (s) {
        cpuMs.set(pid, s.cpuMs);
        rssKiB += s.rssKiB;
      }
    }
    out.set(name, { cpuMs, rssKiB });
  }
  return { at: performance.now(), groups: out, machine: await machineTicks() };
}

/**
 * Per group, the share of one core used between two samples (100 % = one core busy), and
 * the machine's busy share of all its cores. A pid that is only in the second sample (a
 * Postgres backend that came) is counted from zero, which errs high; one that went is
 * left out, which errs low by what it used before it went.
 */
export function usage(a: CpuSample, b: CpuSample): { wallMs: number; groups: Map<string, number>; machineBusy: number; cores: number } {
  const wallMs = b.at - a.at;
  const groups = new Map<string, number>();
  for (const [name, after] of b.groups) {
    const before = a.groups.get(name)?.cpuMs;
    let used = 0;
    for (const [pid, ms] of after.cpuMs) used += ms - (before?.get(pid) ?? 0);
    groups.set(name, (used / wallMs) * 100);
  }
  const machineBusy = ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 100;
  return { wallMs, groups, machineBusy, cores: cpus().length };
}
