/**
 * A node's command line as flags, to carry an operator's settings (hosts, chain configs, limits,
 * log levels) from the old node to the new one while replacing what a regenesis changes. Flags are
 * `--name=value` or `--name value` (pflag accepts both); a bare `--name` is a boolean.
 */
export interface NodeFlag {
  name: string;
  value?: string;
}

export function parseNodeArgs(args: readonly string[]): NodeFlag[] {
  const flags: NodeFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new Error(`node argument ${JSON.stringify(arg)} is not a --flag`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.push({ name: arg.slice(2, eq), value: arg.slice(eq + 1) });
    } else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
      flags.push({ name: arg.slice(2), value: args[++i]! });
    } else {
      flags.push({ name: arg.slice(2) });
    }
  }
  return flags;
}

/**
 * A node's command line as its restart runs it: the command (everything before the first flag) and
 * the flags. A binary named by a relative path or a bare name becomes the process's own executable
 * `exe` where that is known: the restart need not share the old process's PATH.
 */
export function splitCommandLine(argv: readonly string[], exe?: string): { command: string[]; flags: NodeFlag[] } {
  const firstFlag = argv.findIndex((a, i) => i > 0 && a.startsWith('--'));
  const command = firstFlag < 0 ? [...argv] : argv.slice(0, firstFlag);
  if (command[0] !== undefined && !command[0].startsWith('/') && exe) command[0] = exe;
  return { command, flags: parseNodeArgs(firstFlag < 0 ? [] : argv.slice(firstFlag)) };
}

export function formatNodeArgs(flags: readonly NodeFlag[]): string[] {
  return flags.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`));
}

export function flagValue(flags: readonly NodeFlag[], name: string): string | undefined {
  return flags.findLast((f) => f.name === name)?.value;
}

/** Drops every flag named in `names`, then appends `set` (later flags win in pflag too). */
export function withFlags(flags: readonly NodeFlag[], names: readonly string[], set: readonly NodeFlag[]): NodeFlag[] {
  const dropped = new Set([...names, ...set.map((f) => f.name)]);
  return [...flags.filter((f) => !dropped.has(f.name)), ...set];
}
