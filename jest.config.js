// One jest run for the whole workspace: unit specs (*.spec.ts), adapter suites against real stores
// (*.int.spec.ts) and whole-system suites (*.e2e.spec.ts). SWC strips types (tsc type-checks
// separately in CI) and keeps decorator metadata for Nest.
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
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper,
  testTimeout: 30000,
  maxWorkers: 2,
};
