import assert from "node:assert/strict";
import { test } from "node:test";
import { serverRejects } from "./server-flags.ts";

test("the server's option parser is asked whether it takes a variant's flags", () => {
  assert.equal(serverRejects([]), undefined);
  assert.equal(serverRejects(["--memory", "64"]), undefined);
  assert.match(serverRejects(["--no-such-flag", "x"]) ?? "", /no-such-flag/);
});
