// Types of the classic-script build (dist/sqlite-vector.global.js): the ESM entry's names on
// one global. Reference it with `/// <reference path="sqlite-vector.global.d.ts" />`.
import type * as api from './index';

declare global {
  // eslint-disable-next-line no-var
  var SqliteVector: {
    createVectorDB: typeof api.createVectorDB;
    createWasmVectorDB: typeof api.createWasmVectorDB;
    createNativeVectorDB: typeof api.createNativeVectorDB;
    VectorDB: typeof api.VectorDB;
    VectorDBError: typeof api.VectorDBError;
    ErrorCode: typeof api.ErrorCode;
  };
}
export {};
