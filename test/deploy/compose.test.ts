import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cliArgs } from './cli-contract';
import { ROOT, requireTool, tool } from './tools';

/**
 * docker-compose.yml: every profile passes `docker-compose config`, every service it runs
 * has a healthcheck and a restart policy, Switchyard services run real CLI commands with real
 * flags and reach services of the same profile; deploy/Dockerfile has an init, a HEALTHCHECK
 * and a Node LTS base.
 */
const PROFILES = ['demo', 'vllm', 'llamacpp', 'mindie'];

interface Service {
  image?: string;
  build?: { dockerfile?: string };
  profiles?: string[];
  command?: string[];
  restart?: string;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, unknown>;
  volumes?: (string | { source?: string; type?: string })[];
}

beforeAll(() => requireTool('docker-compose'));

describe.each(PROFILES)('profile %s', (profile) => {
  let services: Record<string, Service> = {};

  beforeAll(async () => {
    const r = await tool(
      'docker-compose',
      ['-f', 'docker-compose.yml', '--profile', profile, 'config'],
      {
        env: { COMPOSE_PROFILES: '' },
      },
    );
    if (r.code !== 0) throw new Error(`docker-compose --profile ${profile} config: ${r.stderr}`);
    const all = (parse(r.stdout) as { services: Record<string, Service> }).services;
    services = Object.fromEntries(
      Object.entries(all).filter(([, s]) => !s.profiles || s.profiles.includes(profile)),
    );
  }, 60_000);

  it('runs a gateway, Redis, Prometheus, Grafana and at least one worker', () => {
    const names = Object.keys(services);
    expect(names).toEqual(expect.arrayContaining(['redis', 'gateway', 'prometheus', 'grafana']));
    expect(names.filter((n) => n.startsWith('worker-')).length).toBeGreaterThanOrEqual(
      profile === 'demo' ? 3 : 1,
    );
  });

  it('gives every service a healthcheck and a restart policy', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, (s.healthcheck?.test?.length ?? 0) > 0]).toEqual([name, true]);
      expect([name, s.restart]).toEqual([name, 'unless-stopped']);
      for (const dep of Object.keys(s.depends_on ?? {}))
        expect([name, dep, dep in services]).toEqual([name, dep, true]);
    }
  });

  it('runs Switchyard services with real commands and flags, reaching services of the profile', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build?.dockerfile !== 'deploy/Dockerfile') continue;
      const { command, flags } = cliArgs(s.command ?? []);
      const urls = ['engineUrl', 'engineManagementUrl', 'engineMetricsUrl'].flatMap((k) =>
        typeof flags[k] === 'string' ? [new URL(flags[k])] : [],
      );
      for (const u of urls) expect([name, u.hostname in services]).toEqual([name, true]);
      if (command === 'worker') {
        // Prometheus reaches the agent where it says it is.
        expect([name, flags['advertiseUrl']]).toEqual([
          name,
          `http://${name}:${String(flags['port'])}`,
        ]);
      }
    }
  });

  it('mounts the deploy/ files it names', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '');
        if (!source.startsWith(join(ROOT, 'deploy'))) continue;
        expect([name, source, existsSync(source)]).toEqual([name, source, true]);
      }
    }
  });
});

it('points the shipped Prometheus config at the compose gateway', () => {
  const config = parse(
    readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'),
  ) as {
    scrape_configs: {
      static_configs?: { targets: string[] }[];
      http_sd_configs?: { url: string }[];
    }[];
  };
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };
  const gateway = compose.services['gateway']!;
  expect(gateway.command).toEqual(expect.arrayContaining(['--port', '8080']));
  const targets = config.scrape_configs.flatMap((c) => [
    ...(c.static_configs ?? []).flatMap((s) => s.targets),
    ...(c.http_sd_configs ?? []).map((h) => new URL(h.url).host),
  ]);
  expect(targets).toEqual(['gateway:8080', 'gateway:8080']);
});

describe('deploy/Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');

  it('builds on a Node LTS image (even major, 22 or later)', () => {
    const majors = [...text.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(majors.length).toBe(2);
    for (const major of majors) {
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
    }
  });

  it('runs under an init and declares a HEALTHCHECK', () => {
    expect(text).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "bin\/switchyard"\]$/m);
    expect(text).toMatch(/^RUN apt-get update[\s\S]*install -y --no-install-recommends tini/m);
    expect(text).toMatch(/^HEALTHCHECK /m);
  });
});
