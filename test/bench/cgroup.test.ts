// Where the bench's memory cage goes on a machine, from /proc/self/cgroup: under the
// bench's own memory cgroup on cgroup v1, under the root on cgroup v2 with the memory
// controller, nowhere without one.
import { describe, expect, it } from "vitest";
import { cageLayout } from "../../bench/support/cgroup.ts";

const name = `mcpgov-backup-bench-${process.pid}`;

describe("the memory cage's place", () => {
  it("nests under the bench's memory cgroup on cgroup v1 (a hybrid machine)", () => {
    const self = ["5:devices:/", "4:memory:/jobs/abc", "1:cpu,cpuacct:/", "0::/"].join("\n");
    expect(cageLayout(self, "hugetlb")).toEqual({
      version: 1,
      home: "/sys/fs/cgroup/memory/jobs/abc",
      cage: `/sys/fs/cgroup/memory/jobs/abc/${name}`,
      limitFile: "memory.limit_in_bytes",
    });
  });

  it("goes under the root on cgroup v2 when the root delegates the memory controller", () => {
    expect(cageLayout("0::/user.slice/session-1.scope\n", "cpu io memory pids")).toEqual({
      version: 2,
      home: "/sys/fs/cgroup/user.slice/session-1.scope",
      cage: `/sys/fs/cgroup/${name}`,
      limitFile: "memory.max",
    });
  });

  it("has no place without a memory controller", () => {
    expect(cageLayout("0::/\n", "cpu io pids")).toBeUndefined();
    expect(cageLayout("0::/\n", undefined)).toBeUndefined();
  });
});
