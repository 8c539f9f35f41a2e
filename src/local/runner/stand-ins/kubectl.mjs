// Stand-in for `kubectl exec POD [--container=C] [--namespace=NS] -- CMD...` in local
// pods: asks the local runner, over the pod's API socket, to run CMD in that container
// and streams its output back. Other kubectl commands are refused with a clear error.
import { request } from "node:http";

const args = process.argv.slice(2);
const dashes = args.indexOf("--");
if (args[0] !== "exec" || dashes < 0) {
  process.stderr.write(
    `kubectl (local runner stand-in): only "exec POD -- CMD" is supported, got: ${args.join(" ")}\n`,
  );
  process.exit(2);
}
const flags = args.slice(1, dashes);
const flag = (name) => flags.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const body = JSON.stringify({
  namespace: flag("namespace") ?? process.env.POD_NAMESPACE ?? "default",
  pod: flags.find((a) => !a.startsWith("-")),
  container: flag("container"),
  command: args.slice(dashes + 1),
});

const req = request(
  { socketPath: "/run/mcpgov-runner/api.sock", path: "/exec", method: "POST" },
  (res) => {
    let buffered = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const frame = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (frame.stdout) process.stdout.write(frame.stdout);
        if (frame.stderr) process.stderr.write(frame.stderr);
        if (frame.error) process.stderr.write(`Error from server: ${frame.error}\n`);
        if (frame.exit !== undefined) process.exitCode = frame.exit;
        newline = buffered.indexOf("\n");
      }
    });
  },
);
req.on("error", (error) => {
  process.stderr.write(`kubectl: cannot reach the API: ${error.message}\n`);
  process.exit(1);
});
req.end(body);
