import assert from "node:assert/strict";
import { test } from "node:test";
import { formatView, parseView, primaryAddress } from "./view.ts";

test("a view reply lists every member in index order, with - for a member counted down", () => {
  const reply = formatView({ group: 4, epoch: 2, primary: 2, members: [null, "127.0.1.1:20031", "127.0.1.2:20032"] });
  assert.equal(reply.toString("latin1"), "VIEW 4 2 2 -,127.0.1.1:20031,127.0.1.2:20032\r\nEND\r\n");
});

test("a view reply parses back into the view it was made from", () => {
  const view = { group: 0, epoch: 1, primary: 0, members: ["127.0.0.1:1", "127.0.0.1:2", null] };
  assert.deepEqual(parseView(formatView(view).toString("latin1")), view);
  assert.equal(primaryAddress(view), "127.0.0.1:1");
});

test("a view during an election has primary -1 and no primary address", () => {
  const view = parseView("VIEW 7 3 -1 -,h:1,h:2\r\nEND\r\n");
  assert.equal(view.primary, -1);
  assert.equal(primaryAddress(view), null);
});

test("a malformed view reply is refused with what was expected and what was found", () => {
  assert.throws(() => parseView("ERROR\r\n"), /expected "VIEW <group> <epoch> <primary>.*found "ERROR\\r\\n"/);
  assert.throws(() => parseView("VIEW 1 1 0 h:1,nohostport,-\r\nEND\r\n"), /member 1 must be host:port or -, found "nohostport"/);
  assert.throws(() => parseView("VIEW 1 1 3 h:1,h:2,h:3\r\nEND\r\n"), /primary index must be below the 3 members listed, found 3/);
});
