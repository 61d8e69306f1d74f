'use strict';
/*
 * Lets `node -r ./bench/register-ts.js bench/x.bench.ts` run a TypeScript bench without a
 * build (the build deletes dist/) and without ts-node or tsx, which the project does not
 * install: each .ts file is transpiled on load with the project's own `typescript` and
 * compiler options, and each `@switchyard/<name>` alias resolves through tsconfig paths.
 * Transpile only: types are checked by `npm run typecheck`.
 */
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config;
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false };

const aliases = new Map(
  Object.entries(config.compilerOptions.paths).map(([name, [target]]) => [
    name,
    path.join(root, target),
  ]),
);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return aliases.get(request) ?? resolveFilename.call(this, request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
