#!/usr/bin/env node
// The recipe of spec/vectors/README.md and nothing more: written from that file
// alone, to show that it is enough to check every contract vector. Deliberately
// minimal; tests/contract/node/run-vectors.mjs is the full runner.
//
// Usage: node run-recipe.mjs [SPEC_DIR]   (default: ./spec next to this script)

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import Ajv2020 from "ajv/dist/2020.js";

const SPEC = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "spec"));
const MINIMUM = { waygrid: 40, exosphere: 25 };

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const jsonFiles = (dir, suffix) => readdirSync(dir).filter((name) => name.endsWith(suffix)).sort();

// Every object anywhere in a JSON value.
function* objects(value) {
  if (value === null || typeof value !== "object") return;
  if (!Array.isArray(value)) yield value;
  for (const child of Object.values(value)) yield* objects(child);
}

// 1. Every spec/<api>/*.schema.json, registered under its $id. 4. ajv compiles
// patterns with the u flag by default (unicodeRegExp).
const ajv = new Ajv2020({ strict: true, allErrors: true, discriminator: true });
const idOf = new Map(); // "<api>/<file>" -> $id
const schemas = [];
for (const api of Object.keys(MINIMUM)) {
  for (const name of jsonFiles(join(SPEC, api), ".schema.json")) {
    const schema = readJson(join(SPEC, api, name));
    idOf.set(`${api}/${name}`, schema.$id);
    schemas.push(schema);
  }
}

// 2. x- keywords are annotations; ajv refuses discriminator.mapping, so drop it.
const annotations = new Set();
for (const node of schemas.flatMap((schema) => [...objects(schema)])) {
  for (const key of Object.keys(node)) if (key.startsWith("x-")) annotations.add(key);
  if (node.discriminator && typeof node.discriminator === "object") delete node.discriminator.mapping;
}
for (const keyword of annotations) ajv.addKeyword({ keyword });

// 3. Exactly the formats of spec/formats.json.
for (const [name, { pattern }] of Object.entries(readJson(join(SPEC, "formats.json")).formats)) {
  ajv.addFormat(name, new RegExp(pattern, "u"));
}
for (const schema of schemas) ajv.addSchema(schema);

// 6. An ajv error's location in msgspec's JSONPath spelling.
function location(error, document) {
  let segments = error.instancePath === "" ? [] : error.instancePath.slice(1).split("/");
  segments = segments.map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "uniqueItems") segments = segments.slice(0, -1);
  let path = "$";
  let node = document;
  for (const segment of segments) {
    path += Array.isArray(node) ? `[${segment}]` : `.${segment}`;
    node = node !== null && typeof node === "object" ? node[segment] : undefined;
  }
  const tag = error.keyword === "discriminator" ? error.params?.tag : undefined;
  const hasTag = typeof tag === "string" && node !== null && typeof node === "object" && !Array.isArray(node)
    && Object.hasOwn(node, tag);
  return hasTag ? `${path}.${tag}` : path;
}

// 5. and 7. Every case of every vector file.
const failures = [];
const counts = {};
for (const api of Object.keys(MINIMUM)) {
  counts[api] = 0;
  const names = new Set();
  for (const name of jsonFiles(join(SPEC, "vectors", api), ".json")) {
    const vectors = readJson(join(SPEC, "vectors", api, name));
    const [file, fragment] = vectors.schema.split("#");
    let validate;
    try {
      validate = ajv.getSchema(fragment ? `${idOf.get(file)}#${fragment}` : idOf.get(file));
    } catch (err) {
      failures.push(`${api}/${name}: ajv cannot compile ${vectors.schema}: ${err.message}`);
    }
    for (const c of vectors.cases) {
      counts[api] += 1;
      const where = `${api}/${name} :: ${c.name}`;
      if (names.has(c.name)) failures.push(`${where}: name used twice in ${api}`);
      names.add(c.name);
      if (!validate) {
        failures.push(`${where}: no schema ${vectors.schema}`);
      } else if (c.valid) {
        if (!validate(c.document)) failures.push(`${where}: invalid: ${JSON.stringify(validate.errors)}`);
        else if ("encoded" in c && !validate(c.encoded)) failures.push(`${where}: "encoded" is invalid`);
      } else if (validate(c.document)) {
        failures.push(`${where}: valid, expected an error at ${c.error.path}`);
      } else {
        const paths = validate.errors.map((error) => location(error, c.document));
        if (!paths.includes(c.error.path)) failures.push(`${where}: errors at ${paths}, none at ${c.error.path}`);
      }
    }
  }
  if (counts[api] < MINIMUM[api]) failures.push(`${api}: ${counts[api]} cases, fewer than ${MINIMUM[api]}`);
}

for (const failure of failures) console.error(failure);
const total = Object.values(counts).reduce((a, b) => a + b, 0);
const each = Object.entries(counts).map(([api, n]) => `${api} ${n}`).join(", ");
console.log(`recipe: checked ${total} cases (${each}), ${failures.length} failure(s)`);
process.exitCode = failures.length === 0 ? 0 : 1;
