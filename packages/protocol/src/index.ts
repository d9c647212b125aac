export * from './errors.js';
export * from './version.js';
export * from './messages.js';
export * from './codec.js';
export * from './session-code.js';
export { assertNever } from './assert-never.js';
export * from './file-transfer.js';
export * from './moderation.js';
