// Parses each AsyncAPI document given on the command line with the official @asyncapi/parser and
// prints its diagnostics; exits 1 when any document has an error-severity diagnostic or no model.
// Run it through tools/asyncapi-validate.sh, which installs the pinned parser and says where it is.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const installDir = process.env.ANJU_ASYNCAPI_PARSER_DIR;
if (!installDir) {
  console.error("ANJU_ASYNCAPI_PARSER_DIR is not set: run tools/asyncapi-validate.sh instead");
  process.exit(2);
}
// The parser lives in a cache directory outside the repository, so it is resolved from there
// rather than from this file's location (ESM imports ignore NODE_PATH).
const require = createRequire(path.join(installDir, "package.json"));
const { Parser, DiagnosticSeverity } = require("@asyncapi/parser");

const SEVERITY = {
  [DiagnosticSeverity.Error]: "error",
  [DiagnosticSeverity.Warning]: "warning",
  [DiagnosticSeverity.Information]: "info",
  [DiagnosticSeverity.Hint]: "hint",
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: validate.mjs DOCUMENT.json...");
  process.exit(2);
}

const parser = new Parser();
let failed = false;
for (const file of files) {
  const source = await readFile(file, "utf8");
  const { document, diagnostics } = await parser.parse(source, { source: path.resolve(file) });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    const where = d.path.length ? d.path.join("/") : "(document)";
    console.log(`${file}: ${SEVERITY[d.severity] ?? d.severity}: ${d.code}: ${d.message} at ${where}`);
  }
  // parse() leaves `document` undefined when the document is invalid, even if no error was listed.
  if (errors.length > 0 || document === undefined) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} errors, ${diagnostics.length} diagnostics)`);
  } else {
    console.log(`${file}: ok (${diagnostics.length} non-error diagnostics)`);
  }
}
process.exit(failed ? 1 : 0);
