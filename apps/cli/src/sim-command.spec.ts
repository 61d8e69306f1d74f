import 'reflect-metadata';
import { Command } from 'commander';
import { freePort } from '@switchyard/testing';
import { registerSim } from './commands';
import { onShutdown } from './process-signals';

/** `switchyard sim` in-process: flags reach the simulator, and it says where it listens. */

jest.mock('./process-signals', () => ({ onShutdown: jest.fn() }));

/** Runs `switchyard sim <args>`; returns what it printed and how to stop it. */
async function runSim(args: string[]): Promise<{ printed: string; stop: () => Promise<void> }> {
  const printed: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  const program = new Command().exitOverride();
  registerSim(program);
  try {
    await program.parseAsync(['sim', '--model', 'm', ...args], { from: 'user' });
  } finally {
    write.mockRestore();
  }
  const stop = jest.mocked(onShutdown).mock.calls.at(-1)?.[0];
  if (!stop) throw new Error('switchyard sim registered no shutdown handler');
  return { printed: printed.join(''), stop: () => stop('test') };
}

describe('switchyard sim', () => {
  it('opens MindIE’s management and metrics listeners on the ports given and prints every URL', async () => {
    const port = await freePort();
    const managementPort = await freePort();
    const metricsPort = await freePort();
    const sim = await runSim([
      '--engine',
      'mindie',
      '--port',
      String(port),
      '--management-port',
      String(managementPort),
      '--metrics-port',
      String(metricsPort),
    ]);
    try {
      const base = 'http://127.0.0.1';
      expect(sim.printed).toBe(
        `switchyard sim (mindie, model m) listening on ${base}:${port} ` +
          `(management ${base}:${managementPort}, metrics ${base}:${metricsPort})\n`,
      );
      expect((await fetch(`${base}:${managementPort}/health`)).status).toBe(200);
      expect((await fetch(`${base}:${metricsPort}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}:${port}/v1/models`)).status).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  it('prints one URL for an engine with one listener', async () => {
    const sim = await runSim(['--engine', 'llamacpp', '--port', '0']);
    try {
      expect(sim.printed).toMatch(
        /^switchyard sim \(llamacpp, model m\) listening on http:\/\/127\.0\.0\.1:\d+\n$/,
      );
    } finally {
      await sim.stop();
    }
  });
});
