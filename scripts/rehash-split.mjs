#!/usr/bin/env node
// Gives the three files of a split bundle (`cargo leptos build --split`) that name each other
// one name that changes whenever any of them changes. Run by scripts/build-site after the build.
//
// Why: the bundle is served as immutable for a year, so a file's name must change with its
// content. cargo-leptos 0.3.10 names the main JS and the main wasm by their content *before* it
// writes the split loader's hashed name into them (the wasm imports the loader's functions under
// that name), and the loader imports the main JS back. After a change to a lazy page alone, the
// main JS and wasm kept their names while now naming a new loader: a browser holding the old
// ones in its cache imported a loader that was gone, and no page hydrated ("Import #1
// ./__wasm_split.<hash>.js: module is not an object or function"). Files that name each other
// cannot each carry a hash of their own final content, so all three take one hash of the
// three, each with the others' names left out.
//
// Usage: rehash-split.mjs <pkg dir> <hash.txt> <output name>
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const [pkg, hashFile, name] = process.argv.slice(2);
if (!pkg || !hashFile || !name) {
  console.error("usage: rehash-split.mjs <pkg dir> <hash.txt> <output name>");
  process.exit(2);
}

const hashText = fs.readFileSync(hashFile, "utf8");
const hashOf = (kind) => hashText.match(new RegExp(`^${kind}:\\s*(\\S+)\\s*$`, "m"))?.[1];
const [js, wasm, split] = ["js", "wasm", "split"].map(hashOf);
if (!split) {
  // Not a split build: cargo-leptos's names are right.
  process.exit(0);
}
if (!js || !wasm) {
  console.error(`rehash-split: no js or wasm hash in ${hashFile}`);
  process.exit(1);
}

// A hash and the placeholder have the same length (22 characters of URL-safe base64, as
// cargo-leptos's own): the names sit inside the wasm's import section as length-prefixed strings.
const PLACEHOLDER = "_".repeat(22);
const mainJs = (hash) => `${name}.${hash}.js`;
const mainWasm = (hash) => `${name}.${hash}.wasm`;
const loader = (hash) => `__wasm_split.${hash}.js`;

/** `buffer` with every `from` replaced by `to` (of the same length), and where. */
function replaceAll(buffer, from, to) {
  const needle = Buffer.from(from);
  const replacement = Buffer.from(to);
  if (needle.length !== replacement.length) throw new Error("names of different lengths");
  const out = Buffer.from(buffer);
  const at = [];
  for (let i = out.indexOf(needle); i !== -1; i = out.indexOf(needle, i + needle.length)) {
    replacement.copy(out, i);
    at.push(i);
  }
  return { out, at };
}

const read = (file) => fs.readFileSync(path.join(pkg, file));
// Each file (its name by hash, its current hash) with the others' names as placeholders.
const group = [
  { named: mainJs, hash: js, names: [[loader(split), loader(PLACEHOLDER)]] },
  { named: mainWasm, hash: wasm, names: [[loader(split), loader(PLACEHOLDER)]] },
  { named: loader, hash: split, names: [[mainJs(js), mainJs(PLACEHOLDER)]] },
].map((file) => {
  const from = file.named(file.hash);
  let body = read(from);
  // Where the hash goes back in: inside the names just replaced, nowhere else.
  const slots = [];
  for (const [other, to] of file.names) {
    const replaced = replaceAll(body, other, to);
    if (replaced.at.length === 0) {
      console.error(`rehash-split: ${from} does not name ${other} as expected`);
      process.exit(1);
    }
    const offset = to.indexOf(PLACEHOLDER);
    slots.push(...replaced.at.map((at) => at + offset));
    body = replaced.out;
  }
  return { ...file, from, body, slots };
});

const digest = crypto.createHash("md5");
for (const file of group) digest.update(file.body).update("\0");
const hash = digest.digest("base64url");
const write = (file, body) => {
  fs.writeFileSync(path.join(pkg, file), body);
  // The precompressed copies the server sends (as `--precompress` made them).
  fs.writeFileSync(
    path.join(pkg, `${file}.br`),
    zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  fs.writeFileSync(path.join(pkg, `${file}.gz`), zlib.gzipSync(body, { level: 9 }));
};
const remove = (file) => {
  for (const suffix of ["", ".br", ".gz"]) fs.rmSync(path.join(pkg, file + suffix), { force: true });
};

for (const file of group) {
  remove(file.from);
  const body = Buffer.from(file.body);
  for (const at of file.slots) Buffer.from(hash).copy(body, at);
  write(file.named(hash), body);
}
fs.writeFileSync(
  hashFile,
  hashText
    .replace(/^js:.*$/m, `js: ${hash}`)
    .replace(/^wasm:.*$/m, `wasm: ${hash}`)
    .replace(/^split:.*$/m, `split: ${hash}`),
);
console.log(`rehash-split: ${mainJs(hash)}, ${mainWasm(hash)} and ${loader(hash)}`);
