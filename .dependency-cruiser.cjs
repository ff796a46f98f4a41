/**
 * The layers of src/ (README, "Layout"): each folder imports only from the folders below it.
 *
 *   cli, testing → server → graph → service → store → odata, model, pfx, util
 *
 * `client` (the Graph client the CLI uses) is for `cli` alone. Within the bottom row, odata may use model, and
 * every folder may use util. `npm run lint` checks this, and .ci/run runs it.
 */
const RANK = { cli: 6, testing: 6, server: 5, graph: 4, service: 3, store: 2, odata: 1, model: 0, pfx: 0, util: 0, client: 1 };
const folders = Object.keys(RANK);

/** One rule per folder: it may not import a folder of its own rank or above (other than itself). */
const upward = folders.map((from) => ({
  name: `no-upward-from-${from}`,
  comment: `src/${from} imports only from the layers below it.`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: {
    path: `^src/(${folders.filter((to) => to !== from && RANK[to] >= RANK[from] && !(from === 'cli' && to === 'client')).join('|')})/`,
  },
}));

module.exports = {
  forbidden: [
    ...upward.filter((rule) => rule.to.path !== '^src/()/'),
    {
      name: 'client-for-cli-only',
      comment: 'The Graph client is what the CLI talks through; the server never calls itself.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|client)/' },
      to: { path: '^src/client/' },
    },
    {
      name: 'routes-call-services',
      comment: 'The HTTP surface calls services, which own the store; it may name the store\'s types, never call it.',
      severity: 'error',
      from: { path: '^src/graph/' },
      to: { path: '^src/store/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code (main.ts and testing/index.ts are the entry points).',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: '^src/(main|testing/index)\\.ts$' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
