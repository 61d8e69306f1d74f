/**
 * Which way dependencies may point (STYLE.md, principle 4), checked by `npm run deps` in the
 * `npm test` chain. Paths are relative to the repository root; `@switchyard/*` aliases resolve
 * through tsconfig.json `paths`, so an alias import is judged by the folder it lands in.
 */

/** Unit tests and their support files may reach for test helpers; shipped code may not. */
const TEST_FILES = '\\.spec\\.ts$|\\.spec-support\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle hides which module owns what; break it by moving the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'aliases-resolve',
      comment:
        'Every import (including @switchyard/* aliases) must resolve to a file, or the rules below would judge nothing.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'dialects-not-engines',
      comment:
        'A client dialect speaks the canonical contract only; it never knows which engine serves it.',
      severity: 'error',
      from: { path: '^libs/dialects/' },
      to: { path: '^libs/engines/' },
    },
    {
      name: 'engines-not-dialects',
      comment:
        'An engine adapter maps the canonical contract to one engine; it never knows which client asked.',
      severity: 'error',
      from: { path: '^libs/engines/' },
      to: { path: '^libs/dialects/' },
    },
    {
      name: 'contracts-stand-alone',
      comment: 'The shared contract is the bottom layer: it imports no other lib and no app.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: '^(apps/|libs/)', pathNot: '^libs/contracts/' },
    },
    {
      name: 'scheduling-not-cluster',
      comment:
        'Placement works on a ClusterView it is handed; reading the cluster is the caller’s job.',
      severity: 'error',
      from: { path: '^libs/scheduling/' },
      to: { path: '^libs/cluster/' },
    },
    {
      name: 'scheduling-pure',
      comment:
        'Scheduling is pure functions: no Nest, no Redis, so it runs in benches and tests as is.',
      severity: 'error',
      from: { path: '^libs/scheduling/' },
      to: { path: '(^|/)node_modules/(@nestjs/|ioredis/|bullmq/)' },
    },
    {
      name: 'gateway-not-worker',
      comment:
        'The gateway and the worker-agent talk over Redis only; shared code belongs in a lib.',
      severity: 'error',
      from: { path: '^apps/gateway/' },
      to: { path: '^apps/worker-agent/' },
    },
    {
      name: 'worker-not-gateway',
      comment:
        'The worker-agent and the gateway talk over Redis only; shared code belongs in a lib.',
      severity: 'error',
      from: { path: '^apps/worker-agent/' },
      to: { path: '^apps/gateway/' },
    },
    {
      name: 'no-testing-in-production',
      comment:
        'libs/testing is for tests; the build excludes it, so shipped code importing it would not run.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: `^libs/testing/|${TEST_FILES}` },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'libs-not-apps',
      comment:
        'Libs sit below apps. Only libs/testing may start the simulator, through @switchyard/engine-sim.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/', pathNot: '^apps/engine-sim/src/index\\.ts$' },
    },
    {
      name: 'engine-sim-only-for-testing',
      comment: 'Of all the libs, only libs/testing may use the simulator.',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/testing/' },
      to: { path: '^apps/engine-sim/' },
    },
    {
      name: 'engine-sim-through-its-index',
      comment:
        'Outside the simulator, import @switchyard/engine-sim (its index.ts), never its internals.',
      severity: 'error',
      from: { pathNot: '^apps/engine-sim/' },
      to: { path: '^apps/engine-sim/src/', pathNot: '^apps/engine-sim/src/index\\.ts$' },
    },
    {
      name: 'personalities-apart',
      comment:
        'One engine personality never imports another; what two share belongs in engine-sim core/.',
      severity: 'error',
      from: { path: '^apps/engine-sim/src/personalities/([^/]+)/' },
      to: {
        path: '^apps/engine-sim/src/personalities/',
        pathNot: '^apps/engine-sim/src/personalities/$1/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    // Type-only imports count: a type cycle is still a design cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
