#!/usr/bin/env node
// Node.js half of the cross-language contract-vector runner.
//
// Every vector file under spec/vectors/<api>/*.json names one schema of spec/
// and a list of documents that must be accepted or rejected. This script checks
// the same vectors with ajv (JSON Schema 2020-12, strict mode) so that the
// schemas, and not only the Python models generated from them, are exercised by
// an independent validator.
//
// Usage: node run-vectors.mjs [VECTORS_DIR]   (default: <repo>/spec/vectors)

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// Documented minimum number of cases per API; fewer is a failure.
const MIN_CASES = Object.freeze({ waygrid: 40, exosphere: 25 });

const AJV_OPTIONS = Object.freeze({ strict: true, allErrors: true, discriminator: true });

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SCRIPT_DIR, "..", "..", "..");
const SPEC_DIR = join(REPO_ROOT, "spec");
const DEFAULT_VECTORS_DIR = join(SPEC_DIR, "vectors");
const VECTOR_FILE_SCHEMA = join(DEFAULT_VECTORS_DIR, "vector-file.schema.json");

// ---------------------------------------------------------------------------
// Small helpers

class Fatal extends Error {}

function readJson(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Fatal(`${rel(file)}: cannot read: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Fatal(`${rel(file)}: not valid JSON: ${err.message}`);
  }
}

function rel(file) {
  return relative(REPO_ROOT, file) || ".";
}

function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sortedEntries(dir, predicate) {
  return readdirSync(dir)
    .filter((name) => predicate(join(dir, name), name))
    .sort();
}

function jsonType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value; // object, string, number, boolean
}

function formatAjvErrors(errors) {
  return (errors ?? [])
    .map((e) => {
      const params = Object.keys(e.params ?? {}).length ? ` ${JSON.stringify(e.params)}` : "";
      return `${e.instancePath || "(root)"} [${e.keyword}] ${e.message}${params}`;
    })
    .join("; ");
}

// ---------------------------------------------------------------------------
// Custom annotation keywords (x-...)

// Keywords whose value is a map of name -> subschema.
const SCHEMA_MAP_KEYWORDS = new Set(["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"]);
// Keywords whose value is an array of subschemas.
const SCHEMA_ARRAY_KEYWORDS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
// Keywords whose value is a single subschema.
const SCHEMA_KEYWORDS = new Set([
  "items", "additionalItems", "additionalProperties", "contains", "not", "if", "then", "else",
  "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
]);

// Walks a schema, visiting only schema positions (never enum/const/default
// values or the contents of x- annotations), and records every x- keyword with
// the JSON types of the values it is given.
function collectAnnotationKeywords(schema, found) {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-")) {
      if (!found.has(key)) found.set(key, new Set());
      const t = jsonType(value);
      found.get(key).add(t);
      if (t === "number" && Number.isInteger(value)) found.get(key).add("integer");
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && value && typeof value === "object") {
      for (const sub of Object.values(value)) collectAnnotationKeywords(sub, found);
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value)) {
      for (const sub of value) collectAnnotationKeywords(sub, found);
    } else if (SCHEMA_KEYWORDS.has(key)) {
      if (Array.isArray(value)) for (const sub of value) collectAnnotationKeywords(sub, found);
      else collectAnnotationKeywords(value, found);
    }
  }
}

// ---------------------------------------------------------------------------
// Schemas of spec/<api>/

function loadSpecSchemas() {
  const schemas = []; // {file, relPath, schema}
  for (const api of sortedEntries(SPEC_DIR, (p, name) => isDir(p) && name !== "vectors")) {
    const apiDir = join(SPEC_DIR, api);
    for (const name of sortedEntries(apiDir, (p, n) => n.endsWith(".schema.json"))) {
      const file = join(apiDir, name);
      const schema = readJson(file);
      if (typeof schema.$id !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(schema.$id)) {
        throw new Fatal(`${rel(file)}: needs an absolute $id`);
      }
      schemas.push({ file, relPath: `${api}/${name}`, schema });
    }
  }
  return schemas;
}

function makeAjv(annotationKeywords) {
  const ajv = new Ajv2020({ ...AJV_OPTIONS });
  addFormats(ajv);
  for (const [keyword, types] of annotationKeywords) {
    // No code/validate: an annotation-only keyword that ajv accepts in strict mode.
    ajv.addKeyword({ keyword, schemaType: [...types].sort() });
  }
  return ajv;
}

// ---------------------------------------------------------------------------
// instancePath (JSON pointer) -> the vectors' JSONPath spelling

function pointerSegments(pointer) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// Numeric segments become [n] only when the value they index is an array.
function pointerToJsonPath(pointer, document) {
  let path = "$";
  let node = document;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path += `.${segment}`;
      node = node !== null && typeof node === "object" ? node[segment] : undefined;
    }
  }
  return path;
}

// Where an ajv error points, in the vectors' spelling.
function errorPath(error, document) {
  let path = pointerToJsonPath(error.instancePath, document);
  // A bad union tag is reported on the tag member itself.
  if (error.keyword === "discriminator" && error.params?.tag !== undefined) {
    path += `.${error.params.tag}`;
  }
  // required / additionalProperties / propertyNames: ajv already reports the
  // object holding the member, which is what the vectors expect.
  return path;
}

// ---------------------------------------------------------------------------
// Vector files

function listVectorFiles(vectorsDir) {
  const files = []; // {api, file}
  for (const api of sortedEntries(vectorsDir, (p) => isDir(p))) {
    const apiDir = join(vectorsDir, api);
    for (const name of sortedEntries(apiDir, (p, n) => n.endsWith(".json") && !isDir(p))) {
      files.push({ api, file: join(apiDir, name) });
    }
  }
  return files;
}

// "waygrid/traversal-spec.schema.json#/$defs/X" -> "<$id>#/$defs/X"
function resolveSchemaRef(ref, idByRelPath) {
  const hash = ref.indexOf("#");
  const relPath = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? "" : ref.slice(hash);
  const id = idByRelPath.get(relPath);
  if (id === undefined) return undefined;
  return fragment && fragment !== "#" ? `${id}${fragment}` : id;
}

// ---------------------------------------------------------------------------

function main() {
  const vectorsDir = process.argv[2] ? resolve(process.cwd(), process.argv[2]) : DEFAULT_VECTORS_DIR;
  if (!isDir(vectorsDir)) throw new Fatal(`vectors directory not found: ${vectorsDir}`);

  // The vector-file format itself, checked with its own ajv instance.
  const vectorAjv = new Ajv2020({ ...AJV_OPTIONS });
  addFormats(vectorAjv);
  let validateVectorFile;
  try {
    validateVectorFile = vectorAjv.compile(readJson(VECTOR_FILE_SCHEMA));
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw new Fatal(`${rel(VECTOR_FILE_SCHEMA)}: ajv rejects the schema: ${err.message}`);
  }

  // The API schemas.
  const specSchemas = loadSpecSchemas();
  const annotationKeywords = new Map();
  for (const { schema } of specSchemas) collectAnnotationKeywords(schema, annotationKeywords);
  const ajv = makeAjv(annotationKeywords);
  const idByRelPath = new Map();
  for (const { file, relPath, schema } of specSchemas) {
    try {
      ajv.addSchema(schema);
    } catch (err) {
      throw new Fatal(`${rel(file)}: ajv.addSchema failed: ${err.message}`);
    }
    idByRelPath.set(relPath, schema.$id);
  }

  // Compile every schema and each of its $defs up front, so that everything
  // strict mode rejects is listed, not just the first problem met by a vector.
  const schemaProblems = new Map(); // message -> [where]
  for (const { relPath, schema } of specSchemas) {
    const targets = [[relPath, schema.$id]];
    for (const name of Object.keys(schema.$defs ?? {})) {
      targets.push([`${relPath}#/$defs/${name}`, `${schema.$id}#/$defs/${name}`]);
    }
    for (const [where, ref] of targets) {
      try {
        ajv.getSchema(ref);
      } catch (err) {
        if (!schemaProblems.has(err.message)) schemaProblems.set(err.message, []);
        schemaProblems.get(err.message).push(where);
      }
    }
  }

  const failures = [];
  const stats = new Map(); // api -> {total, valid, invalid, bad}
  for (const api of Object.keys(MIN_CASES)) stats.set(api, { total: 0, valid: 0, invalid: 0, bad: 0 });
  const namesByApi = new Map();
  const compiled = new Map();

  for (const { api, file } of listVectorFiles(vectorsDir)) {
    const vf = readJson(file);
    if (!validateVectorFile(vf)) {
      throw new Fatal(`${rel(file)}: malformed vector file: ${formatAjvErrors(validateVectorFile.errors)}`);
    }
    if (vf.api !== api) {
      throw new Fatal(`${rel(file)}: "api" is ${JSON.stringify(vf.api)} but the file lives under ${api}/`);
    }
    if (!namesByApi.has(api)) namesByApi.set(api, new Map());
    const names = namesByApi.get(api);
    for (const c of vf.cases) {
      if (names.has(c.name)) {
        throw new Fatal(`${rel(file)}: case name "${c.name}" already used in ${names.get(c.name)}`);
      }
      names.set(c.name, rel(file));
    }

    if (!stats.has(api)) stats.set(api, { total: 0, valid: 0, invalid: 0, bad: 0 });
    const st = stats.get(api);

    const ref = resolveSchemaRef(vf.schema, idByRelPath);
    let validate;
    let schemaError;
    if (ref === undefined) {
      schemaError = `no schema spec/${vf.schema.split("#")[0]}`;
    } else if (compiled.has(ref)) {
      ({ validate, schemaError } = compiled.get(ref));
    } else {
      try {
        validate = ajv.getSchema(ref);
        if (!validate) schemaError = `ajv cannot resolve ${ref}`;
      } catch (err) {
        schemaError = `ajv rejects the schema: ${err.message}`;
      }
      compiled.set(ref, { validate, schemaError });
    }

    for (const c of vf.cases) {
      st.total += 1;
      if (c.valid) st.valid += 1;
      else st.invalid += 1;
      const expected = c.valid ? "valid" : `invalid at ${c.error.path}`;
      const fail = (got) => {
        st.bad += 1;
        failures.push({ file: rel(file), name: c.name, expected, got });
      };

      if (!validate) {
        fail(`${vf.schema}: ${schemaError}`);
        continue;
      }
      let ok;
      try {
        ok = validate(c.document);
      } catch (err) {
        fail(`ajv threw: ${err.message}`);
        continue;
      }
      const errors = validate.errors ?? [];
      if (c.valid) {
        if (!ok) fail(`invalid: ${formatAjvErrors(errors)}`);
      } else if (ok) {
        fail("valid");
      } else {
        const paths = errors.map((e) => errorPath(e, c.document));
        if (!paths.includes(c.error.path)) {
          fail(`invalid, but at ${[...new Set(paths)].join(", ")}: ${formatAjvErrors(errors)}`);
        }
      }
    }
  }

  // Report.
  let exitCode = 0;
  for (const [api, st] of stats) {
    const verdict = st.bad === 0 ? "all agree" : `${st.bad} disagree`;
    console.log(`${api}: ${st.total} vectors (${st.valid} valid, ${st.invalid} invalid), ${verdict}`);
  }

  if (schemaProblems.size > 0) {
    exitCode = 1;
    console.error("\najv rejects schemas under spec/:");
    for (const [message, where] of schemaProblems) {
      console.error(`  - ${message}\n      compiling: ${where.join(", ")}`);
    }
  }

  if (failures.length > 0) {
    exitCode = 1;
    console.error(`\n${failures.length} disagreement(s):`);
    for (const f of failures) {
      console.error(`  ${f.file} :: ${f.name}\n      expected: ${f.expected}\n      ajv said: ${f.got}`);
    }
  }

  const short = Object.entries(MIN_CASES).filter(([api, min]) => (stats.get(api)?.total ?? 0) < min);
  if (short.length > 0) {
    exitCode = 1;
    console.error("");
    for (const [api, min] of short) {
      console.error(`${api}: only ${stats.get(api)?.total ?? 0} cases, at least ${min} required`);
    }
  }

  return exitCode;
}

try {
  process.exitCode = main();
} catch (err) {
  if (err instanceof Fatal) {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
