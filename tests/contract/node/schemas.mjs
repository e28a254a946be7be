// What the Node.js runner does to the schemas of spec/ before ajv sees them,
// following spec/vectors/README.md: x- keywords become annotations, formats are
// exactly those of spec/formats.json, and OpenAPI discriminator mappings are
// checked against the union they describe and then removed (ajv refuses them).

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
