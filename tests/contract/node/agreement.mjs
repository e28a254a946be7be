#!/usr/bin/env node
// ajv as the second independent validator of the schema/model agreement check.
//
// `python tests/agreement/export.py OUT.json` writes the instances that check
// compares (valid ones and mutants of every entry of spec/waygrid and
// spec/exosphere), each with the generated model's verdict. This script
// validates every one with ajv, set up as run-vectors.mjs sets it up (every
// spec/ schema, strict mode, allErrors, discriminator, the formats of
// spec/formats.json, x- keywords as annotations, discriminator mappings checked
// and removed), and fails listing each instance on which ajv and the model
// disagree.
//
// Usage: node agreement.mjs OUT.json

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import {
  AJV_OPTIONS, Fatal, collectAnnotationKeywords, loadSpecSchemas, makeAjv, readFormats, readJsonFile, runScript,
} from "./schemas.mjs";

const SHOWN = 20;
const SHORT = 300;

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(SCRIPT_DIR, "..", "..", "..");
const SPEC_DIR = join(REPO_ROOT, "spec");
const FORMATS_FILE = join(SPEC_DIR, "formats.json");


function rel(file) {
  const r = relative(REPO_ROOT, file);
  return r.startsWith("..") ? file : r || ".";
}

// The ajv of run-vectors.mjs (strict mode), with every spec/<api> schema added.
function specAjv() {
  const schemas = loadSpecSchemas(SPEC_DIR, rel).map(({ schema }) => schema);
  const formats = readFormats(readJsonFile(FORMATS_FILE, rel(FORMATS_FILE)), rel(FORMATS_FILE));
  return makeAjv(AJV_OPTIONS, formats, collectAnnotationKeywords(schemas), schemas);
}

function short(value) {
  const text = JSON.stringify(value);
  return text.length <= SHORT ? text : `${text.slice(0, SHORT)}... (${text.length} characters)`;
}

function ajvErrors(errors) {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || "(root)"} [${e.keyword}] ${e.message}`)
    .join("; ") + ((errors ?? []).length > 3 ? `; ... (${errors.length} errors)` : "");
}

function main(argv) {
  if (argv.length !== 1) throw new Fatal("usage: node agreement.mjs OUT.json (written by tests/agreement/export.py)");
  const started = performance.now();
  const exported = readJsonFile(resolve(process.cwd(), argv[0]), argv[0]);
  const { entries, instances } = exported;
  if (!Array.isArray(entries) || !Array.isArray(instances) || instances.length === 0) {
    throw new Fatal(`${argv[0]}: no instances (run tests/agreement/export.py first)`);
  }

  const ajv = specAjv();
  const validators = new Map();
  for (const uri of entries) {
    let validate;
    try {
      validate = ajv.getSchema(uri);
    } catch (err) {
      throw new Fatal(`ajv (strict mode) cannot compile ${uri}: ${err.message}`);
    }
    if (!validate) throw new Fatal(`ajv has no schema ${uri}`);
    validators.set(uri, validate);
  }

  const disagreements = [];
  const verdicts = { valid: 0, invalid: 0 };
  for (const item of instances) {
    const validate = validators.get(item.schema);
    if (!validate) throw new Fatal(`${argv[0]}: instance of ${item.schema}, which is not among its entries`);
    let ajvSays;
    try {
      ajvSays = validate(item.instance) ? "valid" : `invalid: ${ajvErrors(validate.errors)}`;
    } catch (err) {
      ajvSays = `error: ${err.message}`;
    }
    const verdict = ajvSays === "valid" ? "valid" : "invalid";
    if (ajvSays.startsWith("error") || verdict !== item.model) disagreements.push({ ...item, ajvSays });
    if (verdict in verdicts) verdicts[verdict] += 1;
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `agreement (ajv): ${instances.length} instances, ${entries.length} entries, ${disagreements.length} disagreements`
    + ` (ajv: ${verdicts.valid} valid, ${verdicts.invalid} invalid; ${seconds}s)`,
  );
  if (disagreements.length === 0) return 0;
  console.error(`\najv and the model disagree on ${disagreements.length} instance(s); the first ${SHOWN}:`);
  for (const [index, d] of disagreements.slice(0, SHOWN).entries()) {
    const where = "$" + d.path.map((step) => `[${JSON.stringify(step)}]`).join("");
    console.error(`  ${index + 1}. ${d.schema} [${d.category}] at ${where}`);
    console.error(`      instance: ${short(d.instance)}  (as JavaScript reads and writes it)`);
    console.error(`      model:    ${d.model}${d.model_error ? `: ${d.model_error}` : ""}`);
    console.error(`      ajv:      ${d.ajvSays}`);
  }
  if (disagreements.length > SHOWN) console.error(`  ... and ${disagreements.length - SHOWN} more`);
  return 1;
}

runScript(() => main(process.argv.slice(2)));
