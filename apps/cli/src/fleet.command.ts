import { type Command, InvalidArgumentError, Option } from 'commander';
import { NODE_COMMANDS, type NodeCommand } from '@switchyard/contracts';
import { AdminApiError, AdminClient, DEFAULT_GATEWAY } from './admin-client';
import { modelsTable, nodesTable, queuesTable, type TableStyle } from './fleet-table';

/*
 * The operator's commands, clients of the gateway's admin API: `switchyard status`,
 * `switchyard queues` and `switchyard nodes cordon|uncordon|drain ID`.
 */

interface ClientFlags {
  gateway: string;
  adminKey?: string;
  json?: boolean;
}

interface WatchFlags {
  watch?: number | true;
}

function withClientFlags(cmd: Command): Command {
  return cmd
    .option(
      '--gateway <url>',
      'the gateway’s address (env SWITCHYARD_GATEWAY)',
      process.env.SWITCHYARD_GATEWAY ?? DEFAULT_GATEWAY,
    )
    .addOption(
      new Option('--admin-key <key>', 'admin API bearer key, if the gateway has one').env(
        'SWITCHYARD_ADMIN_KEY',
      ),
    )
    .option('--json', 'print the admin API’s JSON instead of a table');
}

function withWatch(cmd: Command): Command {
  return cmd.option(
    '--watch [seconds]',
    'refresh every few seconds (default 2) until Ctrl-C',
    (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError('must be a positive number of seconds');
      return n;
    },
  );
}

function tableStyle(): TableStyle {
  return { colour: process.stdout.isTTY === true && !('NO_COLOR' in process.env) };
}

/**
 * Prints what `render` returns, once or (with --watch) again every few seconds; on a
 * terminal each refresh replaces the previous screen. Errors end a single run; a watch
 * shows them and keeps trying.
 */
async function show(flags: WatchFlags, render: () => Promise<string>): Promise<void> {
  if (flags.watch === undefined) {
    process.stdout.write(`${await render()}\n`);
    return;
  }
  const everyMs = (flags.watch === true ? 2 : flags.watch) * 1000;
  const clear = process.stdout.isTTY === true ? '\x1b[H\x1b[2J' : '';
  for (;;) {
    let text: string;
    try {
      text = await render();
    } catch (err) {
      if (!(err instanceof AdminApiError)) throw err;
      text = `switchyard: ${err.message}`;
    }
    process.stdout.write(`${clear}${text}\n${clear ? '' : '\n'}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function client(flags: ClientFlags): AdminClient {
  return new AdminClient(flags.gateway, flags.adminKey);
}

export function registerStatus(program: Command): void {
  withWatch(
    withClientFlags(
      program
        .command('status')
        .description(
          'Show the fleet: every node’s state, load and accelerators, and each model’s supply',
        ),
    ),
  ).action(async (flags: ClientFlags & WatchFlags) => {
    const api = client(flags);
    await show(flags, async () => {
      // The nodes are the gateway's own view; the models also need Redis (queue depths).
      const [nodes, models] = await Promise.all([
        api.nodes(),
        api.models().catch((err: unknown) => {
          if (err instanceof AdminApiError) return err;
          throw err;
        }),
      ]);
      if (flags.json) {
        const modelsJson =
          models instanceof AdminApiError ? { modelsError: models.message } : { models };
        return JSON.stringify({ nodes, ...modelsJson }, null, 2);
      }
      const style = tableStyle();
      const modelsText =
        models instanceof AdminApiError ? `models: ${models.message}` : modelsTable(models, style);
      return `${nodesTable(nodes, Date.now(), style)}\n\n${modelsText}`;
    });
  });
}

export function registerQueues(program: Command): void {
  withWatch(
    withClientFlags(
      program
        .command('queues')
        .description('Show what waits for each model: shared queue by priority class, oldest wait'),
    ),
  ).action(async (flags: ClientFlags & WatchFlags) => {
    const api = client(flags);
    await show(flags, async () => {
      const queues = await api.queues();
      return flags.json ? JSON.stringify({ queues }, null, 2) : queuesTable(queues, tableStyle());
    });
  });
}

const COMMAND_HELP: Record<NodeCommand, string> = {
  cordon: 'Place no new work on the node; what runs or waits there finishes',
  uncordon: 'Put a cordoned or drained node back into service (after a test generation)',
  drain:
    'Take no new work (not even from the shared queues) and let the node run empty, for maintenance; it stays registered until uncordoned',
};

const DRAIN_POLL_MS = 500;

export function registerNodes(program: Command): void {
  const nodes = program
    .command('nodes')
    .description('Act on one node of the fleet (the command reaches its worker-agent over Redis)');
  for (const command of NODE_COMMANDS) {
    const sub = withClientFlags(
      nodes.command(`${command} <id>`).description(COMMAND_HELP[command]),
    );
    if (command === 'drain') {
      sub.option(
        '--wait [seconds]',
        'wait until nothing runs or waits on the node (default 300 s)',
        (v) => {
          const n = Number(v);
          if (!(n > 0)) throw new InvalidArgumentError('must be a positive number of seconds');
          return n;
        },
      );
    }
    sub.action(async (id: string, flags: ClientFlags & { wait?: number | true }) => {
      const api = client(flags);
      const result = await api.command(id, command);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          `node ${id}: ${result.state}${result.accepted ? '' : ` (${command} refused)`}\n`,
        );
      if (!result.accepted) process.exitCode = 1;
      if (command === 'drain' && flags.wait !== undefined && result.accepted) {
        await waitEmpty(api, id, (flags.wait === true ? 300 : flags.wait) * 1000, !flags.json);
      }
    });
  }
}

async function waitEmpty(
  api: AdminClient,
  id: string,
  timeoutMs: number,
  say: boolean,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const node = await api.node(id);
    if (node.running === 0 && node.waiting === 0) {
      if (say) process.stdout.write(`node ${id}: drained (nothing runs or waits)\n`);
      return;
    }
    if (Date.now() > until) {
      throw new AdminApiError(
        `node ${id} still has ${node.running} running and ${node.waiting} waiting after ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}
