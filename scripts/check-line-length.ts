/**
 * Fails (exit 1) when a line of the project's own TypeScript or JavaScript is longer than 120 characters, the
 * lineWidth in biome.json: Biome wraps code at that width but leaves comments and string literals as they are, so
 * this catches what it cannot. Reads the git-tracked files under src, test, scripts and bin and the root *.ts files;
 * generated files are skipped. Run by `npm test` after `biome check`.
 *
 *   tsx scripts/check-line-length.ts
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const LIMIT = 120;
/** Written by tools, not by hand: proto-loader-gen-types output and the base64 of the compiled kernels. */
const GENERATED = ["src/server/generated/", "src/bandit/kernels/kernels-wasm.ts"];

const root = dirname(dirname(new URL(import.meta.url).pathname));
const tracked = execFileSync("git", ["ls-files", "-z", "--", "src", "test", "scripts", "bin", "*.ts"], {
  cwd: root,
  encoding: "utf8",
}).split("\0");
const files = tracked.filter(
  (f) =>
    /\.[cm]?[jt]sx?$/.test(f) &&
    (/^(src|test|scripts|bin)\//.test(f) || !f.includes("/")) &&
    !GENERATED.some((g) => f === g || (g.endsWith("/") && f.startsWith(g))),
);

const offenders: string[] = [];
for (const file of files) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    // Code points, not UTF-16 units: "≤" or "µ" is one character on screen.
    const length = [...line].length;
    if (length > LIMIT) offenders.push(`${file}:${i + 1}: ${length} characters (limit ${LIMIT})`);
  });
}

if (offenders.length > 0) {
  for (const offender of offenders) console.error(offender);
  console.error(
    `${offenders.length} lines over ${LIMIT} characters: rewrap the comment, or split the string into pieces ` +
      `joined with + (the text must stay the same), then run npx biome check --write .`,
  );
  process.exit(1);
}
console.log(`no line over ${LIMIT} characters in ${files.length} files`);
