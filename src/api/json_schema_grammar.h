// JSON Schema -> GBNF: turns a request's `json_schema` into a grammar for libllama's grammar
// sampler (llama.cpp's GBNF format, start rule "root"). Our own converter, written from the JSON
// Schema and GBNF specifications.
//
// Contract: every string the grammar accepts is JSON text that validates against the schema. The
// grammar may accept fewer documents than the schema does (it is meant to steer generation, so a
// sound subset is enough): compact enum/const encodings, no `\u` escapes inside patterned strings,
// whitespace between tokens bounded to 20 characters, integer parts of numbers at most 16 digits,
// no leading whitespace before the root value.
//
// Supported:
//   - `true` / `{}`: any JSON value.
//   - `type`: "object", "array", "string", "number", "integer", "boolean", "null", or a list of them.
//     Without `type`, the kind is inferred from the keywords present (properties -> object, items ->
//     array, pattern/format/minLength -> string), else any value.
//   - objects: `properties` + `required`; members come out in the schema's key order (declaration
//     order with nlohmann::ordered_json / json_schema_to_gbnf_ordered, alphabetical with
//     nlohmann::json): required ones first, then each optional one, each may be left out.
//     `additionalProperties`: false or absent -> no other keys. true or a schema is supported only
//     for objects without `properties` (a map). An object schema with none of properties, required
//     and additionalProperties accepts any object.
//   - arrays: `items`, `prefixItems` (and draft-07 tuple `items` + `additionalItems`), `minItems`,
//     `maxItems`; `uniqueItems: false`.
//   - `enum`, `const` (optionally with `type`, which filters the values).
//   - integers: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numeric forms, bounds
//     up to 10^15), as exact digit-range rules. Numbers: only `minimum: 0`. Without `type`, these
//     keywords make the schema a number.
//   - `$ref` to any JSON pointer inside the document ("#", "#/$defs/X", "#/definitions/X"),
//     recursion included (named rules); a cycle that consumes no input is rejected.
//   - `anyOf`, `oneOf` (both as plain alternatives), `allOf` with exactly one schema.
//   - strings: `minLength`, `maxLength`, `pattern` (ECMAScript subset: literals, escapes \d \w \s
//     \D \W \S \n \t \xHH \uHHHH, classes [...] / [^...], ., groups (...) and (?:...), |, * + ?
//     {m} {m,} {m,n} (lazy suffix ignored), ^ at the start and $ at the end of a branch; anything
//     else is rejected naming it), `format` "date", "time", "date-time", "uuid" (exact rules, leap
//     years included); other formats are plain strings.
//   - ignored annotations: title, description, $schema, $id, $comment, examples, default,
//     readOnly, writeOnly, deprecated, contentMediaType, contentEncoding, x-*; containers
//     $defs / definitions.
//
// Rejected with ApiError 400 (param "json_schema"), the message naming the keyword or construct:
// every other keyword (not, if/then/else, patternProperties, dependentRequired, multipleOf,
// minProperties, propertyNames, contains, uniqueItems: true, nullable, ...), bounds on non-integer
// numbers other than `minimum: 0`, unsupported combinations (e.g.
// anyOf next to other constraints, pattern with minLength), unsatisfiable schemas, malformed
// schemas, repetition bounds above 4096, schemas nested deeper than 64 levels, and schemas whose
// grammar would outgrow `max_bytes` (checked while it is built, so conversion work is bounded too:
// e.g. many optional properties make a grammar quadratic in their number).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"

namespace cria {

// Converts a JSON Schema to a GBNF grammar (llama.cpp's grammar format, root rule "root") whose
// every string parses as JSON that validates against the schema. Throws ApiError (400, param
// "json_schema") naming any unsupported keyword or invalid schema.
// `max_bytes`: the largest grammar (sum of rule bodies) it may build (RequestLimits::max_grammar_bytes).
std::string json_schema_to_gbnf(const nlohmann::json& schema, size_t max_bytes = kDefaultMaxGrammarBytes);

// The same, keeping the schema's own key order for object members.
std::string json_schema_to_gbnf_ordered(const nlohmann::ordered_json& schema, size_t max_bytes = kDefaultMaxGrammarBytes);

}  // namespace cria
