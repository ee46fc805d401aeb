/**
 * Loads the TypeScript of the benchmark's server processes (the embedded system, the baseline's, the
 * peer), compiled one file at a time as ts-node's transpile-only mode does, with the workspace
 * aliases of that checkout's tsconfig.base.json (the process's working folder).
 *
 * Not ts-node: its register loads Node's `repl`, which loads `domain`. With `domain` loaded, Node
 * routes every callback and every EventEmitter.emit through domain's wrappers, a cost that
 * `npm start` (compiled JavaScript) does not pay. The measured processes must run as `npm start`
 * does.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const ts = require('typescript');

// The checkout being measured: this one, or the baseline's worktree (forkTs runs each in its root).
const root = process.cwd();
const { compilerOptions } = ts.parseConfigFileTextToJson('tsconfig.base.json', readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).config;
const { options } = ts.convertCompilerOptionsFromJson({ ...compilerOptions, sourceMap: false, inlineSourceMap: true, noEmit: false }, root);

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename });
  module._compile(outputText, filename);
};

require('tsconfig-paths').register({ baseUrl: root, paths: compilerOptions.paths });
