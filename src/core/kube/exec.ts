// A command in a pod's container over the API's exec websocket: its output, and its exit
// code from the Status the API sends at the end.
import { PassThrough } from "node:stream";
import type * as k8s from "@kubernetes/client-node";
import type { ExecResult, ExecTarget } from "../cluster.ts";

export async function execInPod(
  client: k8s.Exec,
  { namespace, pod, container }: ExecTarget,
  command: string[],
): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  // Bytes are kept and decoded once at the end: a frame may end inside a UTF-8 character.
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    client
      .exec(namespace, pod, container, command, stdout, stderr, null, false, resolve)
      // A connection that ends without the command's status must not hang the caller.
      .then((socket) =>
        socket.on("close", () =>
          resolve({
            status: "Failure",
            message: "the exec connection closed before the command's exit status arrived",
          }),
        ),
      )
      .catch((cause: Error) =>
        reject(new Error(`exec in ${pod}/${container}: ${cause.message}`, { cause })),
      );
  });
  // Without an exit code the status says why (the pod is gone, the connection closed).
  const causes = status.details?.causes ?? [];
  const why =
    status.status !== "Success" && !causes.some((c) => c.reason === "ExitCode")
      ? `${status.message ?? "exec failed"}\n`
      : "";
  return {
    code: exitCode(status),
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8") + why,
  };
}

/** The exit code from the status the API sends at the end of an exec. */
export function exitCode(status: k8s.V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (cause?.message !== undefined) return Number(cause.message);
  return 1;
}
