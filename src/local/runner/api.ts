// The little API a local pod with a service-account token may call: `kubectl exec`
// (the backup Jobs' only use of the API), allowed by the pod's RBAC exactly as the
// Kubernetes API server would allow it.
import { chmodSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { ExecResult, KubeObject } from "../../core/cluster.ts";
import { type PolicyRule, ruleAllows } from "./rbac.ts";

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
}

export interface ApiBackend {
  /** Objects of a kind in a namespace (Role, RoleBinding). */
  objects(kind: string, namespace: string): KubeObject[];
  /** Runs the command, passing its output on as it comes. */
  exec(
    request: ExecRequest,
    onOutput: (stream: "stdout" | "stderr", chunk: string) => void,
  ): Promise<ExecResult>;
}

/** Whether the service account may `verb` the core-group resource `resource/name`. */
export function allowed(
  backend: ApiBackend,
  namespace: string,
  serviceAccount: string,
  verb: string,
  resource: string,
  name: string,
): boolean {
  const bindings = backend
    .objects("RoleBinding", namespace)
    .filter((b) =>
      ((b.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? []).some(
        (s) =>
          s.kind === "ServiceAccount" &&
          s.name === serviceAccount &&
          (s.namespace ?? namespace) === namespace,
      ),
    );
  const roles = bindings
    .map((b) => (b.roleRef as { kind: string; name: string }).name)
    .flatMap((roleName) =>
      backend.objects("Role", namespace).filter((r) => r.metadata.name === roleName),
    );
  const access = { verb, group: "", resource, name };
  return roles.some((role) =>
    ((role.rules as PolicyRule[] | undefined) ?? []).some((rule) => ruleAllows(rule, access)),
  );
}

/** Serves one pod's API socket; requests are checked against that pod's service account. */
export function serveApi(
  socketPath: string,
  backend: ApiBackend,
  namespace: string,
  serviceAccount: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", async () => {
      const send = (frame: object) => res.write(`${JSON.stringify(frame)}\n`);
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      try {
        const request = JSON.parse(body) as ExecRequest;
        const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
        for (const [verb, resource] of [
          ["get", "pods"],
          ["create", "pods/exec"],
        ] as const) {
          if (!allowed(backend, request.namespace, serviceAccount, verb, resource, request.pod)) {
            send({
              error: `${resource} "${request.pod}" is forbidden: User "${user}" cannot ${verb} resource "${resource}" in the namespace "${request.namespace}"`,
              exit: 1,
            });
            return res.end();
          }
        }
        // Streamed, so a long backup's progress shows in the Job's log as it happens.
        const result = await backend.exec(request, (stream, chunk) => send({ [stream]: chunk }));
        send({ exit: result.code });
      } catch (error) {
        send({ error: (error as Error).message, exit: 1 });
      }
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      // The pod's processes run as postgres; the socket is theirs to use.
      chmodSync(socketPath, 0o666);
      resolve(server);
    });
  });
}
