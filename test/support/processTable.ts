import * as fs from 'node:fs';

/** What /proc/<pid>/stat says of a process: its state (Z: zombie, X: dead), parent and process group. */
export interface ProcessEntry {
  state: string;
  ppid: number;
  pgrp: number;
}

/** Every process in /proc (Linux), by pid; one that is gone meanwhile or unreadable is left out. */
export function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}

/** True for a process that still runs (neither a zombie nor dead). */
export function isLive(entry: ProcessEntry | undefined): entry is ProcessEntry {
  return entry !== undefined && entry.state !== 'Z' && entry.state !== 'X';
}
