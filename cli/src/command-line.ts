import { parseArgs } from 'node:util';

/** What one subcommand takes. */
export interface CommandLineSpec {
  /** Options followed by a value (`--items 10` or `--items=10`), named without the dashes. */
  readonly valued: readonly string[];
  /** Options that stand alone (`--json`), named without the dashes. */
  readonly flags: readonly string[];
  /** How many arguments that are not options it takes at most. */
  readonly maxPositionals: number;
  /** What an error about one positional too many adds (after "unexpected argument 'x'"). */
  readonly positionalHint?: string;
  /** The subcommand's usage, printed after each error about the arguments' shape. */
  readonly usage: string;
}

/** A subcommand's arguments, sorted by kind; what they mean is the subcommand's to check. */
export interface CommandLine {
  /** The valued options given, by name (the last one given wins). */
  readonly values: ReadonlyMap<string, string>;
  /** The flags given. */
  readonly flags: ReadonlySet<string>;
  /** The other arguments, in order. */
  readonly positionals: readonly string[];
}

/**
 * Splits a subcommand's arguments with Node's `util.parseArgs` into valued options, flags and
 * positionals, and throws, with the usage, for an option it does not take, a value missing or
 * given to a flag, or a positional too many: the errors every subcommand words the same way.
 */
export function parseCommandLine(args: readonly string[], spec: CommandLineSpec): CommandLine {
  const options = Object.fromEntries([
    ...spec.valued.map((name) => [name, { type: 'string' as const }]),
    ...spec.flags.map((name) => [name, { type: 'boolean' as const }]),
  ]);
  // Not strict: parseArgs' own errors would not name the usage, and these name it.
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option') {
      if (spec.valued.includes(token.name)) {
        if (token.value === undefined) throw new Error(`${token.rawName} needs a value\n${spec.usage}`);
        values.set(token.name, token.value);
      } else if (spec.flags.includes(token.name)) {
        if (token.value !== undefined) throw new Error(`${token.rawName} takes no value\n${spec.usage}`);
        flags.add(token.name);
      } else {
        throw new Error(`unknown option ${token.rawName}\n${spec.usage}`);
      }
    } else if (token.kind === 'positional') {
      if (positionals.length >= spec.maxPositionals) {
        throw new Error(`unexpected argument '${token.value}'${spec.positionalHint ? `: ${spec.positionalHint}` : ''}\n${spec.usage}`);
      }
      positionals.push(token.value);
    }
  }
  return { values, flags, positionals };
}
