// Lint, including the architecture: Nx module-boundary tags say who may import whom.
//   type:app        apps (gateway, services, standalone, ops): never imported by anything
//   type:kernel     platform/core: pure types and rules shared by every layer
//   type:domain     <service>/domain: decide/evolve, events; no I/O, no Nest; raises the errors its contracts catalogue
//   type:contracts  <service>/contracts: what another service may import (subjects, DTOs, integration events)
//   type:service    <service>/application and adapters: use cases, controllers, projections
//   type:platform   platform/*: ports and adapters every service reuses
//   type:testing    platform/testing: helpers for specs only
//   type:host       libs/host: composes the services into a process (used by apps and whole-system tests)
//   scope:<service> a service reaches another service only through a type:contracts library
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const NO_IO = [
  '@nestjs/*', 'rxjs', 'better-sqlite3', 'mongodb', 'nats', '@eventstore/*', '@sendgrid/*', 'express', 'fastify',
  'fs', 'node:*', 'path', 'http', 'https', 'net', 'child_process', 'crypto', 'os', 'worker_threads', 'dgram', 'dns',
];
const SERVICES = ['identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications', 'gateway', 'ops'];

const layerConstraints = (testing) => [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:kernel', 'type:domain', 'type:contracts', 'type:service', 'type:platform', 'type:host', ...testing] },
  { sourceTag: 'type:host', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:service', 'type:platform', ...testing] },
  { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'], bannedExternalImports: NO_IO },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:kernel', 'type:domain', 'type:contracts', ...testing], bannedExternalImports: NO_IO },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts'], bannedExternalImports: NO_IO.filter((p) => p !== '@nestjs/*') },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:kernel', 'type:domain', 'type:contracts', 'type:service', 'type:platform', ...testing] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:kernel', 'type:platform', ...testing] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:kernel', 'type:platform', 'type:testing'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:host', onlyDependOnLibsWithTags: ['scope:shared', ...SERVICES.map((service) => `scope:${service}`)] },
  ...SERVICES.map((service) => ({
    sourceTag: `scope:${service}`,
    // The ops tool replays every service's projections: it reaches them through the host's registry.
    onlyDependOnLibsWithTags: [`scope:${service}`, 'scope:shared', 'type:contracts', ...(service === 'ops' ? ['scope:host'] : [])],
  })),
];

const boundaries = (testing) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allowCircularSelfDependency: true,
    depConstraints: layerConstraints(testing),
    // The EventStoreDB and MongoDB adapters are loaded only when chosen (`await import` of their own
    // entry points), beside static imports of the same libraries' other adapters.
    checkDynamicDependenciesExceptions: ['@clientele/platform/event-store', '@clientele/platform/document-store'],
    // The stores' adapter specs run the shared suites of platform/testing, which use the stores: a
    // loop of test files only, so allowed in specs and nowhere else.
    ignoredCircularDependencies: testing.length > 0 ? [['platform-testing', 'platform-event-store'], ['platform-testing', 'platform-document-store']] : [],
  },
];

module.exports = [
  { ignores: ['dist/**', 'node_modules/**', '.nx/**', 'coverage/**', 'data/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    // Node built-ins are not in Nx's project graph, so the pure layers ban them here as well.
    files: ['libs/platform/core/**/*.ts', 'libs/*/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: NO_IO,
              message: 'Domain and kernel code is pure: no I/O, no Nest, no clock or randomness from Node. Do it in a use case or adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    // The web app takes the contracts' view types, never their code: a value import would pull
    // server code into the browser bundle.
    files: ['apps/web/**/*.ts', 'apps/web/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@clientele/*'], allowTypeImports: true, message: 'The web app imports only types from the libraries: use `import type`.' }] },
      ],
    },
  },
  {
    // Specs and contract suites may use the testing helpers; production code may not.
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(['type:testing']),
      'no-console': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
];
