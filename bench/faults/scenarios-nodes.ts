import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@switchyard/testing';
import { exited } from '../../test/e2e/support/processes';
import { busySlots, setSimFaults } from './fleet';
import type { Run, Scenario } from './run';

/** Faults of one node: its worker-agent or its engine dies or misbehaves. */

/** Node 0's engine holds every answer before its first token, so its requests have none yet. */
const STALL_MS = 600_000;

async function inFlightOn(run: Run, node: number): Promise<number> {
  return (await busySlots(run.fleet))[node] ?? 0;
}

/** The node whose engine runs the most requests now (a fault there hits the most streams). */
async function busiest(run: Run): Promise<{ node: number; held: number }> {
  const busy = await busySlots(run.fleet);
  const held = Math.max(...busy.map((n) => n ?? 0));
  return { node: Math.max(0, busy.indexOf(held)), held };
}

export const NODE_SCENARIOS: Scenario[] = [
  {
    name: 'worker-kill-before-first-token',
    fault:
      'node 0’s engine stalls every answer before its first token; once it holds some, its worker-agent gets `kill -9`',
    prepare: (run) => setSimFaults(run.fleet.simUrls[0]!, { stallMs: STALL_MS }),
    inject: async (run) => {
      await waitFor(async () => (await inFlightOn(run, 0)) >= 2, {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: 'node 0 to hold requests',
      }).catch(() => undefined);
      const held = await inFlightOn(run, 0);
      run.fleet.workers[0]!.proc.kill('SIGKILL');
      run.mark(`worker 0 killed (-9) holding ${held} request(s) before their first token`);
      await exited(run.fleet.workers[0]!.proc);
      // The engine is orphaned; let it drop the stall so it frees what it holds.
      await setSimFaults(run.fleet.simUrls[0]!, { stallMs: 0 });
    },
  },
  {
    name: 'worker-kill-after-first-token',
    fault: 'the worker-agent of the busiest node gets `kill -9` while it relays streams',
    inject: async (run) => {
      const { node, held } = await busiest(run);
      run.fleet.workers[node]!.proc.kill('SIGKILL');
      run.mark(`worker ${node} killed (-9) while its engine ran ${held} request(s)`);
      await exited(run.fleet.workers[node]!.proc);
    },
  },
  {
    name: 'engine-crash',
    fault: 'the engine of the busiest node gets `kill -9` while it streams',
    inject: async (run) => {
      const { node, held } = await busiest(run);
      run.fleet.sims[node]!.proc.kill('SIGKILL');
      run.mark(`engine ${node} killed (-9) while running ${held} request(s)`);
      await exited(run.fleet.sims[node]!.proc);
    },
  },
  {
    name: 'engine-drops-streams',
    fault: 'for 3 s the busiest node’s engine drops every stream after 15 tokens',
    inject: async (run) => {
      const { node } = await busiest(run);
      await setSimFaults(run.fleet.simUrls[node]!, { dieAfterTokens: 15 });
      run.mark(`engine ${node} drops streams after 15 tokens`);
      await sleep(3000);
      await setSimFaults(run.fleet.simUrls[node]!, { dieAfterTokens: null });
      run.mark(`engine ${node} healthy again`);
    },
  },
];
