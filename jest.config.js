/**
 * Tiers: unit (pure, beside the code), integration (real Redis), gateway (the real gateway
 * in process on real Redis, scripted fake nodes), deploy (the files in deploy/ through the
 * tools that read them), e2e (real processes).
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  rootDir: __dirname,
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  transform: {
    // Type checking runs once in `npm run typecheck`; the transformer only transpiles.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};

module.exports = {
  // Global: Jest ignores testTimeout inside a project. Hooks that stop real processes
  // (SIGTERM, then SIGKILL after 5 s) need more than the 5 s default on a loaded machine.
  testTimeout: 60000,
  // On a 2-core CI machine Jest runs the files in its own process; a client some test leaves
  // reconnecting to a Redis it stopped keeps that process alive after the last result (seen
  // once: minutes). Exit when the run is done; the "did not exit" warning still names the leak.
  forceExit: true,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...base, displayName: 'gateway', testMatch: ['<rootDir>/test/gateway/**/*.test.ts'] },
    { ...base, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
    // deploy/: promtool, kubectl kustomize and docker-compose over the shipped files.
    { ...base, displayName: 'deploy', testMatch: ['<rootDir>/test/deploy/**/*.test.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      testTimeout: 60000,
    },
  ],
};
