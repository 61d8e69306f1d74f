import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from './support/cli';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The fleet page at `/ui` in a real headless Chromium (Debian's `chromium`, which `.ci/run`
 * installs): the nodes of a running fleet appear with their load and accelerators, and a
 * cordon given with the CLI shows on the page within a few seconds (it refreshes every 2 s).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MODEL = 'page-model';

let fleet: Fleet;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { engine: 'llamacpp', slots: 2, decodeMs: 2, workerArgs: ['--telemetry', 'gpu:NVIDIA L4x1'] },
      {
        engine: 'vllm',
        slots: 4,
        decodeMs: 2,
        workerArgs: ['--telemetry', 'gpu:NVIDIA H100 80GB HBM3x2'],
      },
    ],
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
});

const row = (nodeId: string) => page.locator(`#nodes tr[data-node="${nodeId}"]`);

it('shows every node of the fleet with its load and accelerators', async () => {
  await page.goto(`${fleet.gatewayUrl}/ui`);
  expect(await page.title()).toBe('Switchyard fleet');
  for (const node of fleet.nodes) {
    await row(node.nodeId).waitFor({ timeout: 10_000 });
    expect(await row(node.nodeId).getAttribute('data-state')).toBe('ready');
  }
  const vllm = await row(fleet.nodes[1]!.nodeId).innerText();
  expect(vllm).toContain('vllm');
  expect(vllm).toContain(MODEL);
  expect(vllm).toContain('0/4'); // slots used / total
  expect(vllm).toContain('2× gpu NVIDIA H100 80GB HBM3');
  expect(await row(fleet.nodes[0]!.nodeId).innerText()).toContain('1× gpu NVIDIA L4');
  expect(await page.locator(`#models tr[data-model="${MODEL}"]`).innerText()).toMatch(/\b2\b/);
  expect(await page.locator(`#queues tr[data-model="${MODEL}"]`).count()).toBe(1);
  expect(await page.locator('#status').innerText()).toMatch(/2 of 2 nodes ready/);
});

it('shows a cordon given with the CLI within a few seconds, without a reload', async () => {
  const target = fleet.nodes[0]!.nodeId;
  await row(target).waitFor({ timeout: 10_000 });
  const run = await runCli(['nodes', 'cordon', target, '--gateway', fleet.gatewayUrl]);
  expect(run.code).toBe(0);
  const cordonedAt = Date.now();
  await page
    .locator(`#nodes tr[data-node="${target}"][data-state="cordoned"]`)
    .waitFor({ timeout: 5000 });
  expect(Date.now() - cordonedAt).toBeLessThan(5000);
  expect(await row(target).locator('td.state').innerText()).toBe('cordoned');

  // And back, with the page's own button (the same admin API).
  await row(target).locator('button[data-command="uncordon"]').click();
  await page
    .locator(`#nodes tr[data-node="${target}"][data-state="ready"]`)
    .waitFor({ timeout: 15_000 });
});
