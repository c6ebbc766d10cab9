import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultStance, STANCES, shortQuote, stanceLabel, truncateQuote } from "../src/shared/wording";

test("every stance reads as one capitalised word", () => {
  assert.deepEqual(STANCES, ["supports", "refutes", "context"]);
  assert.deepEqual(STANCES.map(stanceLabel), ["Supports", "Refutes", "Context"]);
  assert.equal(stanceLabel("unknown"), "unknown");
});

test("new evidence refutes a final false-like verdict and supports anything else", () => {
  assert.equal(defaultStance({ key: "false", name: "False", is_final: true }), "refutes");
  const mostlyFalse = { key: "fabricated", name: "Mostly false", is_final: true };
  assert.equal(defaultStance(mostlyFalse), "refutes");
  assert.equal(defaultStance({ key: "true", name: "True", is_final: true }), "supports");
  // Not a verdict yet, whatever its name.
  assert.equal(defaultStance({ key: "false", name: "False", is_final: false }), "supports");
  assert.equal(defaultStance({ key: "unverified", name: "Unverified" }), "supports");
  assert.equal(defaultStance(undefined), "supports");
});

test("a quote is cut on one line with an ellipsis, counting code points", () => {
  assert.equal(truncateQuote("  short\n quote "), "short quote");
  assert.equal(truncateQuote("abcdefghij", 5), "abcd…");
  assert.equal(truncateQuote("😀😀😀😀😀😀", 4), "😀😀😀…");
  assert.equal(shortQuote("it was", 10), "“it was”");
});
