import assert from "node:assert/strict";
import { test } from "node:test";
import { recoverySettingsFrom } from "./settings.ts";

test("recovery settings default to online repair with 256-page batches", () => {
  assert.deepEqual(recoverySettingsFrom({}), { mode: "online", groups: undefined, batchPages: 256 });
});

test("recovery settings come from the environment", () => {
  assert.deepEqual(recoverySettingsFrom({ COCYTUS_RECOVERY: "blocked", COCYTUS_GROUPS: "5", COCYTUS_REPAIR_BATCH_PAGES: "8" }), { mode: "blocked", groups: 5, batchPages: 8 });
});

test("a bad recovery setting is refused naming the variable, the expectation and the value", () => {
  assert.throws(() => recoverySettingsFrom({ COCYTUS_RECOVERY: "fast" }), /COCYTUS_RECOVERY must be online or blocked, found "fast"/);
  assert.throws(() => recoverySettingsFrom({ COCYTUS_GROUPS: "0" }), /COCYTUS_GROUPS must be an integer from 1 to 1000000, found "0"/);
  assert.throws(() => recoverySettingsFrom({ COCYTUS_REPAIR_BATCH_PAGES: "x" }), /COCYTUS_REPAIR_BATCH_PAGES must be an integer from 1 to 4096, found "x"/);
});
