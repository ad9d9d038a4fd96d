import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCocytusView, ownerAddress, parseCocytusView } from "./view.ts";

const VIEW = { group: 0, epoch: 2, owners: [0, 3, 2], members: ["127.0.1.1:20000", null, "127.0.1.3:20002", "127.0.1.4:20003", "127.0.1.5:20004"] };

test("a view is formatted as one VIEW line and END, and parsed back unchanged", () => {
  const text = formatCocytusView(VIEW).toString("latin1");
  assert.equal(text, "VIEW 0 2 0,3,2 127.0.1.1:20000,-,127.0.1.3:20002,127.0.1.4:20003,127.0.1.5:20004\r\nEND\r\n");
  assert.deepEqual(parseCocytusView(text), VIEW);
});

test("the owner of a data index is the member serving its keys, or none while it is being prepared", () => {
  assert.equal(ownerAddress(VIEW, 1), "127.0.1.4:20003");
  assert.equal(ownerAddress({ ...VIEW, owners: [0, -1, 2] }, 1), null);
});

test("a malformed view reply is refused saying what was expected and what was found", () => {
  assert.throws(() => parseCocytusView("ERROR\r\n"), /expected "VIEW <group> <epoch> <owner>,\.\.\. .*found "ERROR\\r\\n"/);
  assert.throws(() => parseCocytusView("VIEW 0 1 0,7,2 a:1,b:2,c:3,d:4,e:5\r\nEND\r\n"), /owner of data index 1 must be below the 5 members listed, found 7/);
  assert.throws(() => parseCocytusView("VIEW 0 1 0,1,2 a:1,b,c:3,d:4,e:5\r\nEND\r\n"), /member 1 must be host:port or -, found "b"/);
});
