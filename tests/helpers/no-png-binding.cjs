// Preloaded with `node --require`: makes resvg's platform binding package unresolvable, as on a
// platform whose binding was not installed (e.g. linux-arm64 with only the x64 binding fetched).
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^@resvg\/resvg-js-/.test(request)) {
    const e = new Error(`Cannot find module '${request}'`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return resolve.call(this, request, ...rest);
};
