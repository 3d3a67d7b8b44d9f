import { fileURLToPath } from 'node:url';

/**
 * This package's root folder (this file is `src/package-root.ts` or `dist/package-root.js`), where
 * the shipped reference harness lives: `<root>/src/reference-harness`.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');
