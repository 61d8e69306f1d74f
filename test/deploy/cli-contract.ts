import { Command } from 'commander';
import { registerGateway, registerSim, registerWorker } from '../../apps/cli/src/commands';

/** The CLI's own option table, from the commands the `switchyard` bin registers. */
const TABLE: Record<string, Map<string, { attribute: string; takesValue: boolean }>> = (() => {
  const program = new Command();
  registerGateway(program);
  registerWorker(program);
  registerSim(program);
  const table: Record<string, Map<string, { attribute: string; takesValue: boolean }>> = {};
  for (const cmd of program.commands) {
    table[cmd.name()] = new Map(
      cmd.options.map((o) => [
        o.long!,
        { attribute: o.attributeName(), takesValue: o.required || o.optional },
      ]),
    );
  }
  return table;
})();

/** CLI option attributes that name a config key differently. */
const FLAG_KEYS: Record<string, string> = { redis: 'redisUrl', prefix: 'keyPrefix' };

/**
 * Reads `switchyard <command> [--flag value]…` as the CLI would: the command, and its flags
 * by config key. Throws on a command or flag the CLI does not have.
 */
export function cliArgs(argv: readonly string[]): {
  command: string;
  flags: Record<string, unknown>;
} {
  const [command, ...args] = argv;
  const options = TABLE[command ?? ''];
  if (!options) throw new Error(`switchyard has no command ${String(command)}`);
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const option = options.get(args[i]!);
    if (!option) throw new Error(`switchyard ${command} has no flag ${args[i]}`);
    const key = FLAG_KEYS[option.attribute] ?? option.attribute;
    flags[key] = option.takesValue ? args[++i] : true;
  }
  return { command: command!, flags };
}
