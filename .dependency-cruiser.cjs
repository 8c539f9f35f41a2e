// The layers of src, held by `npm run lint` (docs/architecture.md, "Where things live").
// From the bottom: core; the local machine's shared pieces (src/local/*.ts); the local
// cluster runner and the test and bench lab beside it; the faces, the demo and the
// manifest checks; the fakes that tests and the bench drive the faces with. An arrow may
// only point down. Type-only imports tie modules too, so they count; dynamic imports count.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "Modules in src import each other: break the cycle (move what both need down).",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment:
        "src/core is the bottom layer: it imports nothing else of src. Pass what it needs in, or move the code up.",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "local-base-imports-core",
      severity: "error",
      comment:
        "src/local/*.ts (the machine, steps, deploy) is below the runner, the lab and the demo: it imports only core and itself.",
      from: { path: "^src/local/[^/]+$" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/local/[^/]+$"] },
    },
    {
      name: "runner-imports-below",
      severity: "error",
      comment:
        "The local cluster runner builds on core and src/local/*.ts only: not on the lab, the demo, the checks or a face.",
      from: { path: "^src/local/runner/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/local/[^/]+$", "^src/local/runner/"] },
    },
    {
      name: "lab-imports-below",
      severity: "error",
      comment:
        "The test and bench lab builds on core and src/local/*.ts only: not on the runner, the demo, the checks or a face.",
      from: { path: "^src/local/lab/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/local/[^/]+$", "^src/local/lab/"] },
    },
    {
      name: "checks-import-core",
      severity: "error",
      comment: "The offline manifest checks build on core only.",
      from: { path: "^src/manifest-checks/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/manifest-checks/"] },
    },
    {
      name: "faces-reach-local-only-from-main",
      severity: "error",
      comment:
        "A face reaches the local runner (and src/local) only from its composition root, main.ts, by a dynamic import the Action's bundle keeps in a chunk of its own.",
      from: { path: "^src/(action|bot)/", pathNot: "^src/(action|bot)/main\\.ts$" },
      to: { path: "^src/local/" },
    },
    {
      name: "faces-import-core-and-local",
      severity: "error",
      comment:
        "A face builds on core (and, from main.ts, the runner): not on the other face, the demo, the lab, the checks or the fakes.",
      from: { path: "^src/(action|bot)/" },
      to: {
        path: "^src/",
        pathNot: ["^src/core/", "^src/local/[^/]+$", "^src/local/runner/", "^src/$1/"],
      },
    },
    {
      name: "demo-is-not-a-face",
      severity: "error",
      comment: "The demo tells the story with core, the runner and the checks: not with a face, the lab or the fakes.",
      from: { path: "^src/local/demo/" },
      to: { path: "^src/(action|bot|fakes)/|^src/local/lab/" },
    },
    {
      name: "fakes-are-not-product",
      severity: "error",
      comment: "src/fakes stands in for the cluster and GitHub in tests and the bench only.",
      from: { path: "^src/", pathNot: "^src/fakes/" },
      to: { path: "^src/fakes/" },
    },
    {
      name: "no-test-imports",
      severity: "error",
      comment:
        "src and bench do not import test/: what both need belongs in src (src/fakes for stand-ins, src/local/lab for hosts).",
      from: { path: "^(src|bench)/" },
      to: { path: "^test/" },
    },
    {
      name: "src-does-not-import-bench",
      severity: "error",
      comment: "The product does not depend on its benchmark.",
      from: { path: "^src/" },
      to: { path: "^bench/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
