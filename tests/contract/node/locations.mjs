// Where an ajv error points, in the vectors' spelling (msgspec's JSONPath), by
// the rule of spec/vectors/README.md ("Where an error points").

import { unescapePointer } from "./schemas.mjs";

export function pointerSegments(pointer) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer.slice(1).split("/").map(unescapePointer);
}

// Segments become [n] only where the document value they index is an array,
// so an object member called "0" stays .0.
function segmentsToJsonPath(segments, document) {
  let path = "$";
  let node = document;
  for (const segment of segments) {
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

export function pointerToJsonPath(pointer, document) {
  return segmentsToJsonPath(pointerSegments(pointer), document);
}

export function valueAt(pointer, document) {
  let node = document;
  for (const segment of pointerSegments(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) ? node[Number(segment)] : node[segment];
  }
  return node;
}

function hasMember(value, name) {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    && Object.prototype.hasOwnProperty.call(value, name);
}

export function errorPath(error, document) {
  const segments = pointerSegments(error.instancePath);
  // Repeated items are reported by the models' post-decode check on the object
  // that holds the array, so the array's own segment is dropped.
  if (error.keyword === "uniqueItems") return segmentsToJsonPath(segments.slice(0, -1), document);
  const path = segmentsToJsonPath(segments, document);
  // A bad union tag is reported on the tag member itself; a missing tag is a
  // missing member, reported (like `required`) on the object that lacks it.
  if (error.keyword === "discriminator" && typeof error.params?.tag === "string") {
    return hasMember(valueAt(error.instancePath, document), error.params.tag) ? `${path}.${error.params.tag}` : path;
  }
  // required / additionalProperties / propertyNames: ajv already reports the
  // object holding the member, which is what the vectors expect.
  return path;
}
