// What the Node.js runner does to the schemas of spec/ before ajv sees them,
// following spec/vectors/README.md: x- keywords become annotations, formats are
// exactly those of spec/formats.json, and OpenAPI discriminator mappings are
// checked against the union they describe and then removed (ajv refuses them).
// Also the ajv setup run-vectors.mjs, agreement.mjs and self-test.mjs share:
// AJV_OPTIONS, makeAjv and loadSpecSchemas.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import Ajv2020 from "ajv/dist/2020.js";

// How every ajv instance of the runners is set up (JSON Schema 2020-12).
export const AJV_OPTIONS = Object.freeze({ strict: true, allErrors: true, discriminator: true });

// Keywords whose value is a map of name -> subschema.
const SCHEMA_MAP_KEYWORDS = new Set(["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"]);
// Keywords whose value is an array of subschemas.
const SCHEMA_ARRAY_KEYWORDS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
// Keywords whose value is a single subschema.
const SCHEMA_KEYWORDS = new Set([
  "items", "additionalItems", "additionalProperties", "contains", "not", "if", "then", "else",
  "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
]);

// A schema that cannot be used as the recipe says; the message names the file
// and the JSON pointer of the offending place.
export class SchemaError extends Error {}

// A script's own failure (bad input, a missing file): reported on one line, exit code 1.
export class Fatal extends Error {}

// Runs a script's main(); a Fatal or SchemaError becomes one `error:` line and exit code 1, anything else a crash.
export function runScript(main) {
  try {
    process.exitCode = main();
  } catch (err) {
    if (err instanceof Fatal || err instanceof SchemaError) {
      console.error(`error: ${err.message}`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  }
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function jsonType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value; // object, string, number, boolean
}

export function escapePointer(segment) {
  return String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
}

export function unescapePointer(segment) {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

// Calls visit(subschema, pointer) for the schema and every subschema in it,
// visiting only schema positions: never enum/const/default values or the
// contents of x- annotations.
export function walkSchema(schema, visit, pointer = "") {
  if (!isObject(schema)) return;
  visit(schema, pointer);
  for (const [key, value] of Object.entries(schema)) {
    const at = `${pointer}/${escapePointer(key)}`;
    if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) walkSchema(sub, visit, `${at}/${escapePointer(name)}`);
    } else if ((SCHEMA_ARRAY_KEYWORDS.has(key) || SCHEMA_KEYWORDS.has(key)) && Array.isArray(value)) {
      value.forEach((sub, index) => walkSchema(sub, visit, `${at}/${index}`));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      walkSchema(value, visit, at);
    }
  }
}

// Every x- keyword in the schemas, with the JSON types of the values it is
// given: the keyword -> Set of types map that registerAnnotations expects.
export function collectAnnotationKeywords(schemas, found = new Map()) {
  for (const schema of schemas) {
    walkSchema(schema, (sub) => {
      for (const [key, value] of Object.entries(sub)) {
        if (!key.startsWith("x-")) continue;
        if (!found.has(key)) found.set(key, new Set());
        const type = jsonType(value);
        found.get(key).add(type);
        if (type === "number" && Number.isInteger(value)) found.get(key).add("integer");
      }
    });
  }
  return found;
}

// No code and no validate function: annotation-only keywords that ajv accepts
// in strict mode and that never change a verdict.
export function registerAnnotations(ajv, annotationKeywords) {
  for (const [keyword, types] of annotationKeywords) ajv.addKeyword({ keyword, schemaType: [...types].sort() });
}

// spec/formats.json -> Map name -> pattern, refusing anything malformed.
export function readFormats(document, where) {
  if (!isObject(document) || !isObject(document.formats)) throw new SchemaError(`${where}: needs a "formats" object`);
  const formats = new Map();
  for (const [name, definition] of Object.entries(document.formats)) {
    const at = `${where}#/formats/${escapePointer(name)}`;
    if (!isObject(definition) || typeof definition.pattern !== "string") {
      throw new SchemaError(`${at}: needs a "pattern" string`);
    }
    try {
      new RegExp(definition.pattern, "u");
    } catch (err) {
      throw new SchemaError(`${at}/pattern: not an ECMA-262 pattern: ${err.message}`);
    }
    formats.set(name, definition.pattern);
  }
  return formats;
}

// The only format checks the ajv instance will know; any other format is a
// strict-mode error ("unknown format").
export function registerFormats(ajv, formats) {
  for (const [name, pattern] of formats) ajv.addFormat(name, new RegExp(pattern, "u"));
}

// "#/$defs/A" -> the subschema of root it names, or undefined.
function resolveLocalRef(root, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  let node = root;
  for (const raw of ref.slice(2).split("/")) {
    let segment;
    try {
      segment = unescapePointer(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

// Problems with one discriminator's mapping, each prefixed with `where`.
function mappingProblems(root, union, where) {
  const { propertyName, mapping } = union.discriminator;
  if (typeof propertyName !== "string") return [`${where}/propertyName: must be a string`];
  if (!isObject(mapping)) return [`${where}/mapping: must be an object`];
  const branches = new Set([...(union.oneOf ?? []), ...(union.anyOf ?? [])].map((branch) => branch?.$ref));
  const problems = [];
  for (const [tag, ref] of Object.entries(mapping)) {
    const at = `${where}/mapping/${escapePointer(tag)}`;
    if (typeof ref !== "string" || !ref.startsWith("#/")) {
      problems.push(`${at}: ${JSON.stringify(ref)} is not a local reference (#/$defs/...)`);
      continue;
    }
    const variant = resolveLocalRef(root, ref);
    if (!isObject(variant)) {
      problems.push(`${at}: ${ref} names no schema in this file`);
      continue;
    }
    if (!branches.has(ref)) {
      problems.push(`${at}: ${ref} is not a variant of the union ({"$ref": "${ref}"} in its oneOf/anyOf)`);
      continue;
    }
    const tagSchema = isObject(variant.properties) ? variant.properties[propertyName] : undefined;
    if (!isObject(tagSchema) || !Object.prototype.hasOwnProperty.call(tagSchema, "const")) {
      problems.push(`${at}: ${ref} has no properties/${escapePointer(propertyName)}/const to compare with`);
    } else if (tagSchema.const !== tag) {
      const declared = JSON.stringify(tagSchema.const);
      problems.push(`${at}: ${ref} declares ${propertyName} = ${declared}, not ${JSON.stringify(tag)}`);
    }
  }
  return problems;
}

// Checks every discriminator mapping of the schema (each key must be the const
// of the tag property in the variant its $ref names) and returns a copy without
// the mappings, for ajv. The schema itself is left untouched. `where` names the
// schema's file in messages.
export function prepareForAjv(schema, where) {
  const problems = [];
  walkSchema(schema, (sub, pointer) => {
    if (isObject(sub.discriminator) && Object.prototype.hasOwnProperty.call(sub.discriminator, "mapping")) {
      problems.push(...mappingProblems(schema, sub, `${where}#${pointer}/discriminator`));
    }
  });
  if (problems.length > 0) {
    throw new SchemaError(`discriminator mapping disagrees with its union:\n  ${problems.join("\n  ")}`);
  }
  const copy = structuredClone(schema);
  walkSchema(copy, (sub) => {
    if (isObject(sub.discriminator)) delete sub.discriminator.mapping;
  });
  return copy;
}

// A JSON file, parsed; a SchemaError naming it as `where` if it cannot be read.
export function readJsonFile(file, where = file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new SchemaError(`${where}: cannot read: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SchemaError(`${where}: not valid JSON: ${err.message}`);
  }
}

// Whether path is a directory (false if it does not exist).
export function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// The names in dir for which predicate(path, name) holds, sorted.
export function sortedEntries(dir, predicate) {
  return readdirSync(dir)
    .filter((name) => predicate(join(dir, name), name))
    .sort();
}

// Every specDir/<api>/*.schema.json (spec/vectors aside), sorted, each as
// {file, relPath: "<api>/<name>", schema}: its discriminator mappings checked
// against their unions, then removed (prepareForAjv). `name(file)` names a file
// in messages.
export function loadSpecSchemas(specDir, name = (file) => file) {
  const schemas = [];
  for (const api of sortedEntries(specDir, (p, n) => isDir(p) && n !== "vectors")) {
    const apiDir = join(specDir, api);
    for (const fileName of sortedEntries(apiDir, (p, n) => n.endsWith(".schema.json"))) {
      const file = join(apiDir, fileName);
      const schema = readJsonFile(file, name(file));
      if (typeof schema.$id !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(schema.$id)) {
        throw new SchemaError(`${name(file)}: needs an absolute $id`);
      }
      schemas.push({ file, relPath: `${api}/${fileName}`, schema: prepareForAjv(schema, name(file)) });
    }
  }
  return schemas;
}

// An ajv that knows exactly the given formats (those of spec/formats.json, from
// readFormats; any other is a strict-mode "unknown format") and the x- keywords
// as annotations, and the given schemas (loadSpecSchemas' `schema`s).
export function makeAjv(options = AJV_OPTIONS, formats = new Map(), annotationKeywords = new Map(), schemas = []) {
  const ajv = new Ajv2020({ ...options });
  registerFormats(ajv, formats);
  registerAnnotations(ajv, annotationKeywords);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
}
