// Lets the compiled output in dist/ resolve the workspace aliases (@clientele/...) declared in
// tsconfig.base.json, so `node dist/...` runs without a bundler.
const path = require('node:path');
const tsConfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [target.replace(/\.ts$/, '')]]),
);
tsConfigPaths.register({ baseUrl: path.join(__dirname, '..', 'dist'), paths });
