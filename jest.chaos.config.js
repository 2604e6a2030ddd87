// Chaos runs kill and restart servers and services; they take minutes and
// run on their own: `npm run test:chaos`.
const base = require('./jest.config.js');
const { transform, testEnvironment } = base.projects[0];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  transform,
  testEnvironment,
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  testTimeout: 300_000,
};
