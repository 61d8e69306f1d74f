import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  GATEWAY_ENV,
  WORKER_ENV,
  gatewayConfigSchema,
  loadConfig,
  workerConfigSchema,
} from '@switchyard/config';
import { parse, parseAllDocuments } from 'yaml';
import { cliArgs } from './cli-contract';
import { ROOT, requireTool, tool } from './tools';

/**
 * deploy/kubernetes: every overlay renders with `kubectl kustomize`, every object validates
 * against the Kubernetes OpenAPI schemas (kubernetes-models' validators, offline), and every
 * Switchyard container speaks the CLI contract: a real command, its real flags, environment
 * variables the process reads with values its config schema accepts, ports and probe paths
 * it serves, a grace period that covers the drain.
 */
const KUBE = join(ROOT, 'deploy', 'kubernetes');
const OVERLAYS = readdirSync(join(KUBE, 'overlays'));

type Labels = Record<string, string>;
/** The fields of the specs this test reads (each kind uses some of them). */
interface Spec {
  selector: { matchLabels: Labels };
  template: {
    metadata: { labels: Labels };
    spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
  };
  ports: { name: string; targetPort: string }[];
  podMetricsEndpoints: { port: string }[];
  endpoints: { port: string }[];
  scaleTargetRef: { name: string };
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  spec: Spec;
  data?: Labels;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: unknown };
  resources?: { limits?: Record<string, string | number> };
}

/** What each Switchyard command serves over HTTP (its probes may only use these). */
const ROUTES: Record<string, string[]> = {
  gateway: ['/healthz', '/readyz', '/metrics'],
  worker: ['/healthz', '/readyz', '/status', '/metrics'],
};
/** Accelerator resource each engine overlay must request, and a word its image must contain. */
const ENGINES: Record<string, { image: string; resource?: string }> = {
  vllm: { image: 'vllm', resource: 'nvidia.com/gpu' },
  llamacpp: { image: 'llama.cpp' },
  mindie: { image: 'mindie', resource: 'huawei.com/Ascend910' },
};

/** The image the overlays set for Switchyard (components/common). */
const SWITCHYARD_IMAGE = (() => {
  const k = parse(
    readFileSync(join(KUBE, 'components', 'common', 'kustomization.yaml'), 'utf8'),
  ) as {
    images: { name: string; newName: string; newTag: string }[];
  };
  const image = k.images.find((i) => i.name === 'switchyard')!;
  return `${image.newName}:${image.newTag}`;
})();

const rendered = new Map<string, Obj[]>();

beforeAll(async () => {
  requireTool('kubectl');
  const version = await tool('kubectl', ['version', '--client']);
  const kustomize = /Kustomize Version: v(\d+)/.exec(version.stdout)?.[1];
  if (Number(kustomize) < 4)
    throw new Error(`kubectl's kustomize is too old for components (need v4+):\n${version.stdout}`);
  for (const overlay of OVERLAYS) {
    const r = await tool('kubectl', ['kustomize', join(KUBE, 'overlays', overlay)]);
    if (r.code !== 0) throw new Error(`kubectl kustomize overlays/${overlay}: ${r.stderr}`);
    rendered.set(
      overlay,
      parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj),
    );
  }
}, 120_000);

it('has the overlays the docs describe', () => {
  expect(OVERLAYS.sort()).toEqual(['llamacpp', 'mindie', 'trial', 'vllm']);
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = () => rendered.get(overlay)!;
  const deployments = () => objects().filter((o) => o.kind === 'Deployment');

  it('validates against the Kubernetes (and Prometheus Operator) OpenAPI schemas', async () => {
    for (const o of objects()) {
      const group = o.apiVersion.includes('monitoring.coreos.com')
        ? `@kubernetes-models/prometheus-operator/${o.apiVersion}`
        : `kubernetes-models/${o.apiVersion}`;
      const models = (await import(group)) as Record<
        string,
        new (d: unknown) => { validate(): void }
      >;
      const Model = models[o.kind];
      expect([o.kind, Model !== undefined]).toEqual([o.kind, true]);
      expect(() => new Model!(o).validate()).not.toThrow();
    }
  });

  it('runs Switchyard containers the way the CLI contract says', () => {
    const configMaps = new Map(
      objects()
        .filter((o) => o.kind === 'ConfigMap')
        .map((o) => [o.metadata.name, o.data ?? {}]),
    );
    let workers = 0;
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      const podPorts = new Set(
        pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
      );
      for (const c of pod.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        if (!c.image.startsWith('ghcr.io/switchyard-project/') && c.image !== 'switchyard')
          continue;
        expect([where, c.image]).toEqual([where, SWITCHYARD_IMAGE]);
        // A real command, and only flags it has.
        const { command, flags } = cliArgs(c.args ?? []);
        expect([where, command]).toEqual([where, expect.stringMatching(/^(gateway|worker)$/)]);
        // Environment: only variables the process reads, with values its schema accepts.
        const table = command === 'gateway' ? GATEWAY_ENV : WORKER_ENV;
        const known = new Set<string>([
          ...Object.values(GATEWAY_ENV),
          ...Object.values(WORKER_ENV),
        ]);
        const env: Record<string, string> = {};
        for (const from of c.envFrom ?? []) {
          const data = configMaps.get(from.configMapRef!.name);
          expect([where, from.configMapRef!.name, data !== undefined]).toEqual([
            where,
            from.configMapRef!.name,
            true,
          ]);
          for (const [k, v] of Object.entries(data!)) {
            expect([where, k, known.has(k)]).toEqual([where, k, true]);
            env[k] = v;
          }
        }
        const fieldRefs: Record<string, string> = {
          'metadata.name': `${d.metadata.name}-7d9f-x2k4q`,
          'status.podIP': '10.1.2.3',
        };
        for (const e of c.env ?? []) {
          const value =
            e.value?.replace(/\$\((\w+)\)/g, (_m, n: string) => env[n] ?? '') ??
            fieldRefs[e.valueFrom?.fieldRef?.fieldPath ?? ''] ??
            'from-secret';
          if (/^(SWITCHYARD_|REDIS_URL$|LOG_LEVEL$|PORT$)/.test(e.name)) {
            expect([where, e.name, Object.values(table).includes(e.name)]).toEqual([
              where,
              e.name,
              true,
            ]);
          }
          env[e.name] = value;
        }
        const schema = command === 'gateway' ? gatewayConfigSchema : workerConfigSchema;
        const config = loadConfig(schema, table, { env, flags }) as { port: number; host: string };
        expect([where, config.host]).toEqual([where, '0.0.0.0']);
        // Ports: the one it listens on is declared, and probes use routes it serves.
        const named = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
        expect([where, [...named.values()]]).toEqual([where, [config.port]]);
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
          if (!probe?.httpGet) continue;
          expect([where, named.has(String(probe.httpGet.port))]).toEqual([where, true]);
          expect(ROUTES[command]).toContain(probe.httpGet.path);
        }
        expect([where, c.readinessProbe?.httpGet?.path]).toEqual([
          where,
          command === 'worker' ? '/readyz' : '/healthz',
        ]);
        if (command !== 'worker') continue;
        workers++;
        const worker = config as unknown as {
          engine: string;
          engineUrl: string;
          engineManagementUrl?: string;
          engineMetricsUrl?: string;
          advertiseUrl?: string;
          drainGraceMs: number;
        };
        // The engine beside it, reached on localhost at a port its container declares.
        for (const url of [worker.engineUrl, worker.engineManagementUrl, worker.engineMetricsUrl]) {
          if (url === undefined) continue;
          const u = new URL(url);
          expect([where, u.hostname, podPorts.has(Number(u.port))]).toEqual([
            where,
            '127.0.0.1',
            true,
          ]);
        }
        expect([where, worker.advertiseUrl]).toEqual([where, `http://10.1.2.3:${config.port}`]);
        if (overlay in ENGINES) expect([where, worker.engine]).toEqual([where, overlay]);
        // The drain fits in the pod's grace period, and every container waits for it.
        expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(
          worker.drainGraceMs + 10_000,
        );
        for (const other of pod.containers)
          expect([where, other.name, other.lifecycle?.preStop !== undefined]).toEqual([
            where,
            other.name,
            true,
          ]);
        const engine = ENGINES[worker.engine];
        if (engine) {
          const engineContainer = pod.containers.find((x) => x !== c)!;
          expect(engineContainer.image).toContain(engine.image);
          if (engine.resource)
            expect(Object.keys(engineContainer.resources?.limits ?? {})).toContain(engine.resource);
        }
      }
    }
    expect(workers).toBe(1);
  });

  it('points every selector, monitor and probe port at something that exists', () => {
    const pods = deployments().map((d) => ({
      name: d.metadata.name,
      labels: d.spec.template.metadata.labels,
      ports: new Set(
        d.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)),
      ),
    }));
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const o of objects()) {
      const where = `${o.kind}/${o.metadata.name}`;
      if (o.kind === 'Deployment')
        expect(matches(o.spec.selector.matchLabels, o.spec.template.metadata.labels)).toBe(true);
      if (o.kind === 'Service') {
        const pod = pods.find((p) => matches(o.spec.selector as unknown as Labels, p.labels));
        expect([where, pod?.name !== undefined]).toEqual([where, true]);
        for (const port of o.spec.ports as { targetPort: string }[])
          expect([where, pod!.ports.has(port.targetPort)]).toEqual([where, true]);
      }
      if (o.kind === 'PodMonitor') {
        const pod = pods.find((p) => matches(o.spec.selector.matchLabels, p.labels));
        expect([where, pod?.name !== undefined]).toEqual([where, true]);
        for (const e of o.spec.podMetricsEndpoints as { port: string }[])
          expect([where, e.port, pod!.ports.has(e.port)]).toEqual([where, e.port, true]);
      }
      if (o.kind === 'ServiceMonitor') {
        const service = objects().find(
          (s) =>
            s.kind === 'Service' && matches(o.spec.selector.matchLabels, s.metadata.labels ?? {}),
        );
        expect([where, service !== undefined]).toEqual([where, true]);
        for (const e of o.spec.endpoints as { port: string }[])
          expect((service!.spec.ports as { name: string }[]).map((p) => p.name)).toContain(e.port);
      }
      if (o.kind === 'PodDisruptionBudget')
        expect([where, pods.some((p) => matches(o.spec.selector.matchLabels, p.labels))]).toEqual([
          where,
          true,
        ]);
      if (o.kind === 'HorizontalPodAutoscaler')
        expect([where, pods.some((p) => p.name === o.spec.scaleTargetRef.name)]).toEqual([
          where,
          true,
        ]);
    }
  });
});
