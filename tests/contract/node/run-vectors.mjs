#!/usr/bin/env node
// Node.js half of the cross-language contract-vector runner.
//
// Every vector file under spec/vectors/<api>/*.json names one schema of spec/
// and a list of documents that must be accepted or rejected. This script checks
// the same vectors with ajv (JSON Schema 2020-12, strict mode) so that the
// schemas, and not only the Python models generated from them, are exercised by
// an independent validator. The rules it follows (formats, patterns, x-
// keywords, discriminator, where an error points) are those of
// spec/vectors/README.md; self-test.mjs runs first.
//
// Usage: node run-vectors.mjs [VECTORS_DIR]   (default: <repo>/spec/vectors)

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { errorPath } from "./locations.mjs";
import {
  AJV_OPTIONS, Fatal, collectAnnotationKeywords, isDir, loadSpecSchemas, makeAjv, readFormats, readJsonFile, runScript,
  sortedEntries,
} from "./schemas.mjs";
import { runSelfTest } from "./self-test.mjs";

// Documented minimum number of cases per API; fewer is a failure.
const MIN_CASES = Object.freeze({ waygrid: 40, exosphere: 25 });

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SCRIPT_DIR, "..", "..", "..");
const SPEC_DIR = join(REPO_ROOT, "spec");
const DEFAULT_VECTORS_DIR = join(SPEC_DIR, "vectors");
const VECTOR_FILE_SCHEMA = join(DEFAULT_VECTORS_DIR, "vector-file.schema.json");
const FORMATS_FILE = join(SPEC_DIR, "formats.json");

// ---------------------------------------------------------------------------
// Small helpers


function readJson(file) {
  return readJsonFile(file, rel(file));
}

function rel(file) {
  const r = relative(REPO_ROOT, file);
  return r.startsWith("..") ? file : r || ".";
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

// Compiles schemas with the strict ajv. Whatever strict mode (or ajv itself)
// rejects is recorded as a schema problem -- which fails the run -- and the
// schema is then retried with strict mode off, so the vectors still get checked
// wherever ajv can compile the schema at all.
class Compiler {
  constructor(makeInstance) {
    this.strict = makeInstance(AJV_OPTIONS);
    this.makeLenient = () => makeInstance({ ...AJV_OPTIONS, strict: false });
    this.lenient = undefined;
    this.problems = new Map(); // ajv message -> [what was being compiled]
    this.cache = new Map(); // key -> {validate, lenient, error}
  }

  problem(message, where) {
    if (!this.problems.has(message)) this.problems.set(message, []);
    const list = this.problems.get(message);
    if (!list.includes(where)) list.push(where);
  }

  // `get(ajv)` compiles on the given instance and returns a validate function.
  compile(key, where, get) {
    if (this.cache.has(key)) return this.cache.get(key);
    let result;
    try {
      const validate = get(this.strict);
      result = validate ? { validate, lenient: false } : { error: `ajv cannot resolve ${key}` };
    } catch (err) {
      this.problem(err.message, where);
      this.lenient ??= this.makeLenient();
      try {
        const validate = get(this.lenient);
        result = validate
          ? { validate, lenient: true }
          : { error: `ajv cannot resolve ${key}` };
      } catch (err2) {
        if (err2.message !== err.message) this.problem(err2.message, where);
        result = { error: `ajv rejects the schema: ${err2.message}` };
      }
    }
    this.cache.set(key, result);
    return result;
  }
}

function main() {
  const vectorsDir = process.argv[2] ? resolve(process.cwd(), process.argv[2]) : DEFAULT_VECTORS_DIR;
  if (!isDir(vectorsDir)) throw new Fatal(`vectors directory not found: ${vectorsDir}`);

  const selfTestFailures = runSelfTest();
  if (selfTestFailures.length > 0) {
    throw new Fatal(`self-test failed (node self-test.mjs):\n  ${selfTestFailures.join("\n  ")}`);
  }
  console.log("self-test: ok");

  const formats = readFormats(readJson(FORMATS_FILE), rel(FORMATS_FILE));

  // The vector-file format itself, checked with its own ajv instances.
  const vectorFileSchema = readJson(VECTOR_FILE_SCHEMA);
  const formatCompiler = new Compiler((options) => makeAjv(options, formats, new Map()));
  const format = formatCompiler.compile("vector-file", rel(VECTOR_FILE_SCHEMA), (a) => a.compile(vectorFileSchema));
  if (!format.validate) throw new Fatal(`${rel(VECTOR_FILE_SCHEMA)}: ${format.error}`);
  const validateVectorFile = format.validate;

  // The API schemas.
  const specSchemas = loadSpecSchemas(SPEC_DIR, rel);
  const annotationKeywords = collectAnnotationKeywords(specSchemas.map(({ schema }) => schema));
  const compiler = new Compiler((options) => {
    const instance = makeAjv(options, formats, annotationKeywords);
    for (const { file, schema } of specSchemas) {
      try {
        instance.addSchema(schema);
      } catch (err) {
        throw new Fatal(`${rel(file)}: ajv.addSchema failed: ${err.message}`);
      }
    }
    return instance;
  });
  const idByRelPath = new Map(specSchemas.map(({ relPath, schema }) => [relPath, schema.$id]));

  // Compile every schema and each of its $defs up front, so that everything
  // ajv rejects is listed, not just what some vector happens to reach.
  for (const { relPath, schema } of specSchemas) {
    const root = compiler.compile(schema.$id, `spec/${relPath}`, (a) => a.getSchema(schema.$id));
    if (root.lenient || root.error) continue; // its $defs would only repeat the same message
    for (const name of Object.keys(schema.$defs ?? {})) {
      const ref = `${schema.$id}#/$defs/${name}`;
      compiler.compile(ref, `spec/${relPath}#/$defs/${name}`, (a) => a.getSchema(ref));
    }
  }

  const failures = [];
  const unchecked = []; // cases whose schema ajv cannot compile
  const stats = new Map(); // api -> {total, valid, invalid, bad, lenient}
  const newStats = () => ({ total: 0, valid: 0, invalid: 0, bad: 0, lenient: 0 });
  for (const api of Object.keys(MIN_CASES)) stats.set(api, newStats());
  const namesByApi = new Map();

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

    if (!stats.has(api)) stats.set(api, newStats());
    const st = stats.get(api);

    const ref = resolveSchemaRef(vf.schema, idByRelPath);
    const target = ref === undefined
      ? { error: `no schema spec/${vf.schema.split("#")[0]}` }
      : compiler.compile(ref, `spec/${vf.schema}`, (a) => a.getSchema(ref));
    const { validate } = target;

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
        st.bad += 1;
        unchecked.push({ file: rel(file), name: c.name, why: `cannot check against ${vf.schema}: ${target.error}` });
        continue;
      }
      if (target.lenient) st.lenient += 1;
      const run = (document) => {
        try {
          return { ok: validate(document), errors: validate.errors ?? [] };
        } catch (err) {
          return { threw: err.message };
        }
      };

      const result = run(c.document);
      if (result.threw) {
        fail(`ajv threw: ${result.threw}`);
      } else if (c.valid) {
        if (!result.ok) {
          fail(`invalid: ${formatAjvErrors(result.errors)}`);
        } else if (Object.prototype.hasOwnProperty.call(c, "encoded")) {
          const enc = run(c.encoded);
          if (enc.threw) fail(`ajv threw on "encoded": ${enc.threw}`);
          else if (!enc.ok) fail(`"encoded" is invalid: ${formatAjvErrors(enc.errors)}`);
        }
      } else if (result.ok) {
        fail("valid");
      } else {
        const paths = result.errors.map((e) => errorPath(e, c.document));
        if (!paths.includes(c.error.path)) {
          fail(`invalid, but at ${[...new Set(paths)].join(", ")}: ${formatAjvErrors(result.errors)}`);
        }
      }
    }
  }

  // Report.
  let exitCode = 0;
  for (const [api, st] of stats) {
    const verdict = st.bad === 0 ? "all agree" : `${st.bad} disagree`;
    const note = st.lenient ? ` [${st.lenient} checked with strict mode off, see below]` : "";
    console.log(`${api}: ${st.total} vectors (${st.valid} valid, ${st.invalid} invalid), ${verdict}${note}`);
  }

  const problems = [...formatCompiler.problems, ...compiler.problems];
  if (problems.length > 0) {
    exitCode = 1;
    console.error(`\najv (strict mode) rejects ${problems.length === 1 ? "a schema" : "schemas"}:`);
    for (const [message, where] of problems) {
      console.error(`  - ${message}\n      while compiling: ${where.join(", ")}`);
    }
  }

  if (unchecked.length > 0) {
    exitCode = 1;
    const byFile = new Map();
    for (const u of unchecked) {
      const key = `${u.file}\0${u.why}`;
      if (!byFile.has(key)) byFile.set(key, { ...u, names: [] });
      byFile.get(key).names.push(u.name);
    }
    console.error(`\n${unchecked.length} case(s) could not be checked:`);
    for (const u of byFile.values()) {
      console.error(`  ${u.file} (${u.names.length}): ${u.why}\n      cases: ${u.names.join(", ")}`);
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

runScript(() => main());
