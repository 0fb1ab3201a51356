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
