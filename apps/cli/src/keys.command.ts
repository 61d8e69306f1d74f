import { type Command, InvalidArgumentError } from 'commander';
import { intArg } from './commands';

interface AdminFlags {
  gateway: string;
  adminKey?: string;
}

/** One admin API call; its JSON answer, or an error naming the status and message. */
async function admin(
  flags: AdminFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const key = flags.adminKey ?? process.env.SWITCHYARD_ADMIN_KEY;
  const res = await fetch(`${flags.gateway.replace(/\/$/, '')}/admin/v1/${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) throw new Error(`${res.status}: ${answer.error?.message ?? res.statusText}`);
  return answer;
}

function withAdminFlags(cmd: Command): Command {
  return cmd
    .option('--gateway <url>', 'the gateway’s base URL', 'http://127.0.0.1:8080')
    .option('--admin-key <key>', 'admin credential (env SWITCHYARD_ADMIN_KEY)');
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function periodArg(value: string): 'day' | 'month' {
  if (value !== 'day' && value !== 'month') throw new InvalidArgumentError('must be day or month');
  return value;
}

/** `--expires 30d`, `12h`, or an ISO time. */
function expiresArg(value: string): string {
  const rel = /^(\d+)([hd])$/.exec(value);
  if (rel)
    return new Date(Date.now() + Number(rel[1]) * (rel[2] === 'h' ? 3.6e6 : 8.64e7)).toISOString();
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be like 30d, 12h or an ISO time');
  return new Date(value).toISOString();
}

interface CreateFlags extends AdminFlags {
  tenant: string;
  models?: string;
  priority?: number;
  rpm?: number;
  tpm?: number;
  maxConcurrency?: number;
  budgetTokens?: number;
  budgetPeriod?: 'day' | 'month';
  expires?: string;
  routingHeaders?: boolean;
}

/** `switchyard keys create|list|revoke|rotate` and `switchyard usage`, through the admin API. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Create, list, revoke and rotate API keys');
  withAdminFlags(
    keys
      .command('create')
      .description('Create a key; the plain key is printed once and never again')
      .requiredOption('--tenant <name>', 'the tenant the key belongs to')
      .option('--models <m1,m2>', 'models it may use (default: all)')
      .option('--priority <n>', 'priority class 0 … 9', intArg)
      .option('--rpm <n>', 'requests per minute', intArg)
      .option('--tpm <n>', 'tokens per minute', intArg)
      .option('--max-concurrency <n>', 'requests at once', intArg)
      .option('--budget-tokens <n>', 'tokens per budget period', intArg)
      .option('--budget-period <day|month>', 'budget period (default month)', periodArg)
      .option('--expires <when>', 'expiry: 30d, 12h or an ISO time', expiresArg)
      .option('--routing-headers', 'allow x-switchyard-* routing headers'),
  ).action(async (o: CreateFlags) => {
    print(
      await admin(o, 'POST', 'keys', {
        tenant: o.tenant,
        ...(o.models ? { models: o.models.split(',').filter(Boolean) } : {}),
        ...(o.priority !== undefined ? { priority: o.priority } : {}),
        ...(o.rpm ? { rpm: o.rpm } : {}),
        ...(o.tpm ? { tpm: o.tpm } : {}),
        ...(o.maxConcurrency ? { maxConcurrency: o.maxConcurrency } : {}),
        ...(o.budgetTokens ? { budgetTokens: o.budgetTokens } : {}),
        ...(o.budgetPeriod ? { budgetPeriod: o.budgetPeriod } : {}),
        ...(o.expires ? { expiresAt: o.expires } : {}),
        ...(o.routingHeaders ? { routingHeaders: true } : {}),
      }),
    );
  });
  withAdminFlags(keys.command('list').description('List keys (display prefix only)')).action(
    async (o: AdminFlags) => print(await admin(o, 'GET', 'keys')),
  );
  withAdminFlags(keys.command('revoke <id>').description('Revoke a key at once')).action(
    async (id: string, o: AdminFlags) => print(await admin(o, 'DELETE', `keys/${id}`)),
  );
  withAdminFlags(
    keys
      .command('rotate <id>')
      .description('Issue a new key with the same settings; revoke the old'),
  ).action(async (id: string, o: AdminFlags) => print(await admin(o, 'POST', `keys/${id}/rotate`)));
  const tenants = program.command('tenants').description('Limits a tenant’s keys share');
  withAdminFlags(
    tenants
      .command('set-limits <tenant>')
      .description('Set the limits all of a tenant’s keys share (replaces earlier ones)')
      .option('--rpm <n>', 'requests per minute', intArg)
      .option('--tpm <n>', 'tokens per minute', intArg)
      .option('--max-concurrency <n>', 'requests at once', intArg)
      .option('--budget-tokens <n>', 'tokens per budget period', intArg)
      .option('--budget-period <day|month>', 'budget period (default month)', periodArg),
  ).action(async (tenant: string, o: Omit<CreateFlags, 'tenant'>) => {
    print(
      await admin(o, 'PUT', `tenants/${encodeURIComponent(tenant)}/limits`, {
        ...(o.rpm ? { rpm: o.rpm } : {}),
        ...(o.tpm ? { tpm: o.tpm } : {}),
        ...(o.maxConcurrency ? { maxConcurrency: o.maxConcurrency } : {}),
        ...(o.budgetTokens ? { budgetTokens: o.budgetTokens } : {}),
        ...(o.budgetPeriod ? { budgetPeriod: o.budgetPeriod } : {}),
      }),
    );
  });
  withAdminFlags(tenants.command('limits <tenant>').description('Show a tenant’s limits')).action(
    async (tenant: string, o: AdminFlags) =>
      print(await admin(o, 'GET', `tenants/${encodeURIComponent(tenant)}/limits`)),
  );
  withAdminFlags(
    program
      .command('usage')
      .description('Usage per tenant, key and model in daily buckets (UTC)')
      .option('--tenant <name>', 'one tenant (default: all)')
      .option('--from <day>', 'first day, YYYY-MM-DD (default today)')
      .option('--to <day>', 'last day, YYYY-MM-DD (default today)'),
  ).action(async (o: AdminFlags & { tenant?: string; from?: string; to?: string }) => {
    const query = new URLSearchParams({
      ...(o.tenant ? { tenant: o.tenant } : {}),
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
    });
    print(await admin(o, 'GET', `usage?${query.toString()}`));
  });
}
