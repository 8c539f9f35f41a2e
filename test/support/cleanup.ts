// Runs after every test file (vitest setupFiles): whatever the file's own afterAll did
// not remove because a test failed, a hook threw or a test forgot, is stopped and
// removed here, so a failing test leaves no server, mount or directory behind.
// test/e2e/leftovers.test.ts shows it with a file that fails half way.
import { afterAll } from "vitest";
import { destroyStarted } from "../../src/local/host.ts";
import { removeStage } from "../../src/local/lab/stage.ts";
import { stopAllDaemons } from "./daemons.ts";

afterAll(async () => {
  stopAllDaemons();
  removeStage();
  await destroyStarted();
}, 120_000);
