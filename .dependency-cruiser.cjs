/** Layering rules checked by `npm test` (see docs/ARCHITECTURE.md). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle, even a type-only one, means two modules own one idea.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'activities-not-to-workflows',
      severity: 'error',
      comment: 'Activities are adapters over src/; what they share with workflows lives in src/contract.',
      from: { path: '^activities/' },
      to: { path: '^workflows/' },
    },
    {
      name: 'workflows-import-activity-types-only',
      severity: 'error',
      comment: 'Workflow code runs in the sandbox: it may read activity types and the plain-data retry policies, never an implementation.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', pathNot: '^activities/policies\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shipped-not-to-tests',
      severity: 'error',
      comment: 'Production code never imports a test rig.',
      from: { path: '^(src|activities|workflows)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'production-not-to-dev-tooling',
      severity: 'error',
      comment: 'src/dev/ starts local networks for the demo and tests; the coordinator and the agent never need it.',
      from: { path: '^(activities|workflows|src)/', pathNot: '^src/(dev|cli)/' },
      to: { path: '^src/dev/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
