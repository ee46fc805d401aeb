// One jest run for the whole workspace: unit specs (*.spec.ts), adapter suites against real stores
// (*.int.spec.ts) and whole-system suites (*.e2e.spec.ts). ts-jest only transpiles (keeping
// decorator metadata for Nest); tsc type-checks separately in CI. (SWC would be faster, but its
// platform binaries are not all on the registry mirror this project installs from, which breaks
// `npm ci` with a lock file that lists them.)
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[/\-]/g, (c) => `\\${c}`)}$`,
    `<rootDir>/${target}`,
  ]),
);

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // Transpile only (isolatedModules in tsconfig.base.json): tsc type-checks the whole workspace separately in CI.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json', diagnostics: false }],
    'content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' }, diagnostics: false }],
  },
  // @fastify/static (Swagger UI under Fastify) pulls in an ESM-only content-disposition. Node loads
  // it natively; jest's CommonJS runtime needs it transpiled.
  transformIgnorePatterns: ['/node_modules/(?!(.*/)?content-disposition/)'],
  moduleNameMapper,
  // The reliability suite's table (issue 10): rows recorded by the specs, printed once at the end.
  globalSetup: '<rootDir>/test/support/reliability-report.setup.ts',
  globalTeardown: '<rootDir>/test/support/reliability-report.teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
