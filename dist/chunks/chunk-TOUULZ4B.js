import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);

// src/core/manifests/pod.ts
function podSpecOf(object) {
  const spec = object.spec;
  switch (object.kind) {
    case "Pod":
      return spec;
    case "Job":
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
      return spec?.template?.spec;
    case "CronJob":
      return spec?.jobTemplate?.spec?.template?.spec;
    default:
      return void 0;
  }
}
function podSpecPath(kind) {
  if (kind === "Pod") return "spec";
  if (kind === "CronJob") return "spec.jobTemplate.spec.template.spec";
  return "spec.template.spec";
}
function containersOf(spec) {
  return [...spec.initContainers ?? [], ...spec.containers];
}
function containerArgv(container) {
  return [...container.command ?? [], ...container.args ?? []];
}

export {
  podSpecOf,
  podSpecPath,
  containersOf,
  containerArgv
};
