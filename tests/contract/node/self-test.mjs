#!/usr/bin/env node
// Self-test of what run-vectors.mjs does to schemas before ajv sees them: the
// discriminator-mapping check and removal, the formats of spec/formats.json,
// and the error-location rules. No spec/ schema has a mapping or uniqueItems
// yet, so these fixtures are the only place those paths are exercised.
//
// Run by run-vectors.mjs before the vectors; alone: node self-test.mjs

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { errorPath } from "./locations.mjs";
import { AJV_OPTIONS, SchemaError, makeAjv, prepareForAjv, readFormats } from "./schemas.mjs";

const FORMATS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "spec", "formats.json");

// A pet is a cat or a dog, told apart by `kind`, with an explicit mapping.
function petSchema(mapping) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://self-test.local/pet.schema.json",
    type: "object",
    oneOf: [{ $ref: "#/$defs/Cat" }, { $ref: "#/$defs/Dog" }],
    discriminator: { propertyName: "kind", mapping },
    $defs: {
      Cat: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "lives"],
        properties: { kind: { const: "cat" }, lives: { type: "integer" } },
      },
      Dog: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "tricks"],
        properties: {
          kind: { const: "dog" },
          tricks: { type: "array", items: { type: "string", pattern: "\\S" }, uniqueItems: true },
        },
      },
      Tagless: { type: "object" },
    },
  };
}

const GOOD_MAPPING = Object.freeze({ cat: "#/$defs/Cat", dog: "#/$defs/Dog" });

// [document, expected]: "valid", or the path an error must be reported at.
const PET_DOCUMENTS = [
  [{ kind: "cat", lives: 9 }, "valid"],
  [{ kind: "dog", tricks: ["sit", "roll"] }, "valid"],
  [{ kind: "bird", lives: 1 }, "$.kind"],
  [{ kind: 3, lives: 1 }, "$.kind"],
  [{ lives: 9 }, "$"],
  [{ kind: "cat", lives: "nine" }, "$.lives"],
  [{ kind: "cat", lives: 9, extra: true }, "$"],
  [{ kind: "dog", tricks: ["sit", "sit"] }, "$"],
  [{ kind: "dog", tricks: ["sit", "\ufeff"] }, "$.tricks[1]"],
];

// [mapping, what the message must mention] for mappings that must be refused.
const BAD_MAPPINGS = [
  [{ cat: "#/$defs/Dog", dog: "#/$defs/Dog" }, "/discriminator/mapping/cat"],
  [{ kitty: "#/$defs/Cat" }, "not \"kitty\""],
  [{ cat: "other.schema.json#/$defs/Cat" }, "not a local reference"],
  [{ cat: "#/$defs/Lion" }, "names no schema"],
  [{ cat: "#/$defs/Tagless" }, "not a variant"],
];

const FORMAT_CASES = [
  ["date-time", "2024-02-29T12:00:00.25-03:30", true],
  ["date-time", "2023-02-29T12:00:00Z", false],
  ["date-time", "2024-01-01t12:00:00z", false],
  ["date-time", "2024-01-01T12:00:00Z\n", false],
  ["date", "2000-02-29", true],
  ["date", "2100-02-29", false],
  ["uuid", "123e4567-E89B-12d3-a456-426614174000", true],
  ["uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000", false],
];

function check(failures, condition, message) {
  if (!condition) failures.push(message);
}

function throws(fn) {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

function mappingChecks(failures) {
  const original = petSchema({ ...GOOD_MAPPING });
  const unchanged = JSON.stringify(original);
  const prepared = prepareForAjv(original, "pet.schema.json");
  check(failures, JSON.stringify(original) === unchanged, "prepareForAjv changed the schema it was given");
  check(failures, !("mapping" in prepared.discriminator), "prepareForAjv left the mapping in the copy");

  const refused = throws(() => makeAjv().compile(petSchema({ ...GOOD_MAPPING })));
  check(failures, refused !== undefined, "ajv now accepts discriminator.mapping; the removal may be unnecessary");

  const validate = makeAjv().compile(prepared);
  for (const [document, expected] of PET_DOCUMENTS) {
    const ok = validate(document);
    const label = JSON.stringify(document);
    if (expected === "valid") {
      check(failures, ok, `${label}: expected valid, ajv said ${JSON.stringify(validate.errors)}`);
      continue;
    }
    const paths = ok ? [] : validate.errors.map((error) => errorPath(error, document));
    check(failures, paths.includes(expected), `${label}: expected an error at ${expected}, got [${paths.join(", ")}]`);
  }

  for (const [mapping, mention] of BAD_MAPPINGS) {
    const err = throws(() => prepareForAjv(petSchema(mapping), "pet.schema.json"));
    const label = `mapping ${JSON.stringify(mapping)}`;
    if (!(err instanceof SchemaError)) {
      failures.push(`${label}: expected a SchemaError, got ${err ? err.message : "none"}`);
      continue;
    }
    const placed = err.message.includes("pet.schema.json#/discriminator/mapping/");
    check(failures, placed, `${label}: no place in: ${err.message}`);
    check(failures, err.message.includes(mention), `${label}: "${mention}" not in: ${err.message}`);
  }

  // A mapping deep inside $defs is found and removed too.
  const nested = { $id: "https://self-test.local/nested.schema.json", $defs: { Pet: petSchema({ ...GOOD_MAPPING }) } };
  delete nested.$defs.Pet.$schema;
  delete nested.$defs.Pet.$id;
  nested.$defs.Pet.oneOf = [{ $ref: "#/$defs/Pet/$defs/Cat" }, { $ref: "#/$defs/Pet/$defs/Dog" }];
  nested.$defs.Pet.discriminator.mapping = { cat: "#/$defs/Pet/$defs/Cat", dog: "#/$defs/Pet/$defs/Dog" };
  const deep = prepareForAjv(nested, "nested.schema.json");
  check(failures, !("mapping" in deep.$defs.Pet.discriminator), "a nested mapping was left in place");
  nested.$defs.Pet.discriminator.mapping = { dog: "#/$defs/Pet/$defs/Cat" };
  const deepErr = throws(() => prepareForAjv(nested, "nested.schema.json"));
  check(
    failures,
    deepErr?.message.includes("nested.schema.json#/$defs/Pet/discriminator/mapping/dog"),
    `a bad nested mapping is not reported at its place: ${deepErr?.message}`,
  );
}

function formatChecks(failures) {
  const formats = readFormats(JSON.parse(readFileSync(FORMATS_FILE, "utf8")), "spec/formats.json");
  const ajv = makeAjv(AJV_OPTIONS, formats);
  for (const [format, text, valid] of FORMAT_CASES) {
    const validate = ajv.compile({ type: "string", format });
    const verdict = valid ? "valid" : "invalid";
    check(failures, validate(text) === valid, `format ${format}: ${JSON.stringify(text)} should be ${verdict}`);
  }
  const unknown = throws(() => ajv.compile({ type: "string", format: "hostname" }));
  check(failures, unknown?.message.includes("unknown format"), "a format not in spec/formats.json was accepted");
}

// What went wrong, one message per failed check; empty when all is well.
export function runSelfTest() {
  const failures = [];
  mappingChecks(failures);
  formatChecks(failures);
  return failures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const failures = runSelfTest();
  for (const failure of failures) console.error(`self-test: ${failure}`);
  console.log(failures.length === 0 ? "self-test: ok" : `self-test: ${failures.length} failure(s)`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}
