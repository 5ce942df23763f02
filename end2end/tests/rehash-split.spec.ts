// scripts/rehash-split.mjs on a made-up split bundle: the three files that name each other (the
// main JS, the main wasm and the pieces' loader) must get new names whenever any of them changes,
// or a browser holding the old ones in its year-long cache imports a loader that is gone and no
// page hydrates. No browser needed; the script is run as scripts/build-site runs it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "./support";

const SCRIPT = path.resolve(__dirname, "../../scripts/rehash-split.mjs");
const NAME = "sync-groups-console";
const H = (c: string) => c.repeat(22); // a cargo-leptos hash is 22 characters

/** A split bundle as cargo-leptos 0.3.10 leaves it: main JS `J`, wasm `W`, loader `S`. */
function bundle(loaderBody = "chunk_1.AAAA.wasm"): { dir: string; pkg: string; hashFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sgc-rehash-"));
  const pkg = path.join(dir, "pkg");
  fs.mkdirSync(pkg);
  const [J, W, S] = [H("J"), H("W"), H("S")];
  fs.writeFileSync(path.join(pkg, `${NAME}.${J}.js`), `import*as n from"./__wasm_split.${S}.js";export{n};`);
  // The wasm names the loader inside a length-prefixed import string.
  const importName = Buffer.from(`./__wasm_split.${S}.js`);
  fs.writeFileSync(
    path.join(pkg, `${NAME}.${W}.wasm`),
    Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, importName.length]), importName, Buffer.from("_".repeat(30))]),
  );
  fs.writeFileSync(path.join(pkg, `__wasm_split.${S}.js`), `import{initSync}from"./${NAME}.${J}.js";// ${loaderBody}`);
  const hashFile = path.join(dir, "hash.txt");
  fs.writeFileSync(hashFile, `js: ${J}\nwasm: ${W}\ncss: ${H("C")}\nmanifest: ${H("M")}\nsplit: ${S}\n`);
  return { dir, pkg, hashFile };
}

function rehash(b: { pkg: string; hashFile: string }): Record<string, string> {
  execFileSync("node", [SCRIPT, b.pkg, b.hashFile, NAME], { stdio: "pipe" });
  return Object.fromEntries(
    fs
      .readFileSync(b.hashFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(/:\s*/)),
  );
}

test("the split bundle's scripts and wasm share one hash that changes when any of them does", async () => {
  const first = bundle();
  const hashes = rehash(first);
  const h = hashes.js;
  expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(hashes.wasm).toBe(h);
  expect(hashes.split).toBe(h);
  expect(hashes.css, "other files keep their own hashes").toBe(H("C"));
  expect(hashes.manifest).toBe(H("M"));

  // Each file names the others by the new hash, and the old names are gone.
  const read = (f: string) => fs.readFileSync(path.join(first.pkg, f));
  expect(read(`${NAME}.${h}.js`).toString()).toContain(`./__wasm_split.${h}.js`);
  expect(read(`__wasm_split.${h}.js`).toString()).toContain(`./${NAME}.${h}.js`);
  const wasm = read(`${NAME}.${h}.wasm`);
  expect(wasm.toString("latin1")).toContain(`./__wasm_split.${h}.js`);
  // Same length (the name is a length-prefixed string), and the wasm's own underscores untouched.
  expect(wasm.length).toBe(5 + `./__wasm_split.${h}.js`.length + 30);
  expect(wasm.toString("latin1").endsWith("_".repeat(30))).toBe(true);
  expect(fs.readdirSync(first.pkg).filter((f) => f.includes(H("J")) || f.includes(H("S")) || f.includes(H("W")))).toEqual([]);
  // The precompressed copies the server sends are there too.
  for (const f of [`${NAME}.${h}.js`, `${NAME}.${h}.wasm`, `__wasm_split.${h}.js`]) {
    expect(fs.existsSync(path.join(first.pkg, `${f}.br`)), `${f}.br`).toBe(true);
    expect(fs.existsSync(path.join(first.pkg, `${f}.gz`)), `${f}.gz`).toBe(true);
  }

  // Running it again changes nothing.
  expect(rehash(first).js).toBe(h);

  // A change to a lazy page alone changes only the loader as cargo-leptos writes it; all three
  // names must still move (cargo-leptos alone kept the main JS's and the wasm's).
  const second = bundle("chunk_1.BBBB.wasm");
  const moved = rehash(second);
  expect(moved.js).not.toBe(h);
  expect(moved.wasm).toBe(moved.js);
  expect(moved.split).toBe(moved.js);

  fs.rmSync(first.dir, { recursive: true, force: true });
  fs.rmSync(second.dir, { recursive: true, force: true });
});
