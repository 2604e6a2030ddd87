// Test kinds by suffix and folder (see README "Tests"). `npm test` runs
// unit, integration, contract, e2e and browser; chaos and bench have their own scripts.
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};
const common = {
  transform,
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/node_modules/.cache'],
  // ESM-only packages that jest's CommonJS runtime must have compiled.
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.test.ts'], testPathIgnorePatterns: ['/node_modules/'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
    { ...common, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // The widget and the desk in Debian's chromium (playwright-core), against the stack as processes.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
  testTimeout: 60_000,
};
