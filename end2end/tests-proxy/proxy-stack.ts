// Global setup of the proxy suite (playwright.proxy.config.ts): the console as an operator runs
// it with deploy/, on this machine, unprivileged, on free loopback ports, all of it thrown away
// afterwards (proxy-teardown.ts):
//
//   Chromium ──https──▶ nginx A (path forwarded as is) ──▶ console replicas A1, A2 ─┐
//            ──https──▶ nginx B (path stripped)        ──▶ console replicas B1, B2 ─┼─▶ PostgreSQL
//            ──http───▶ sandbox tenant (its sign-in page)  ◀── every replica's ISC ─┘   (one database
//                                                                                        per pair)
//
// - a temporary directory under /tmp with everything below in it;
// - a self-signed certificate for 127.0.0.1 (openssl);
// - a throwaway PostgreSQL cluster (the approach of server/tests/support/postgres.rs: initdb,
//   fsync off, a free port; as Debian's `postgres` user through setpriv when running as root,
//   since PostgreSQL refuses to run as root);
// - the standalone sandbox binary (target/release/sandbox), which accepts both consoles' OAuth
//   redirect URIs (--redirect-uri);
// - per nginx, two console replicas (target/release/server) sharing one database, with
//   CONSOLE_PUBLIC_URL=https://127.0.0.1:<that nginx's port>/tools/sync-groups;
// - two nginx instances (Debian's), each from deploy/nginx/sync-groups-console.conf with only the
//   replica addresses, the listening ports and the certificate's paths substituted, and the
//   snippets of deploy/nginx/snippets/ copied unchanged; B includes the stripping variant. They
//   run as `www-data` when the tests run as root, as the test's user otherwise.
//
// Every process runs under a small `sh` watchdog reading a pipe from this (the Playwright runner)
// process: teardown writes `stop` to it; if the runner dies without a teardown, the pipe closes and
// the watchdog stops the process all the same, and a janitor removes the directory. Nothing is left
// over either way.

import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ENV, PREFIX } from "./stack-env";

const ROOT = path.resolve(__dirname, "..", "..");
const SERVER = path.join(ROOT, "target/release/server");
const SANDBOX = path.join(ROOT, "target/release/sandbox");
const SITE = path.join(ROOT, "target/site");
/** cargo-leptos's list of the assets' hashed names (hash-files), read from beside the binary. */
const HASH_FILE = path.join(ROOT, "target/release/hash.txt");
const DEPLOY_NGINX = path.join(ROOT, "deploy/nginx");
const READY_TIMEOUT_MS = 60_000;

/** The watchdog around each process. $1: the signal that stops it; the rest: its command line. */
const WATCHDOG = `
sig=$1; shift
exec 3<&0
"$@" 3<&- </dev/null &
child=$!
{
  read -r line <&3
  kill -"$sig" "$child" 2>/dev/null
  if [ "$line" != stop ]; then sleep 10; kill -KILL "$child" 2>/dev/null; fi
} &
watcher=$!
exec 3<&-
wait "$child"; status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

/** Removes the directory ($1) unless told `done` (teardown removed it): the runner died. */
const JANITOR = `
read -r line
if [ "$line" != done ]; then sleep 12; rm -rf "$1"; fi
`;

type User = { uid: number; gid: number; name: string };

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
  /** Must exit 0 when stopped (the console's graceful shutdown). */
  expectClean: boolean;
}

export class ProxyStack {
  readonly dir: string;
  private procs: Proc[] = [];
  private janitor: ChildProcess;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "sgc-proxy-e2e-"));
    // Traversable by the unprivileged users of PostgreSQL and nginx, readable by nobody else.
    fs.chmodSync(this.dir, 0o711);
    fs.mkdirSync(path.join(this.dir, "logs"));
    this.janitor = spawn("sh", ["-c", JANITOR, "sh", this.dir], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    unref(this.janitor);
  }

  /** Starts `command` under the watchdog, its output in logs/<name>.log. */
  start(name: string, command: string[], opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    as?: User;
    signal?: string;
    expectClean?: boolean;
  } = {}): Proc {
    const log = path.join(this.dir, "logs", `${name}.log`);
    const fd = fs.openSync(log, "a");
    const argv = ["sh", "-c", WATCHDOG, "sh", opts.signal ?? "TERM", ...command];
    const [program, ...args] = opts.as ? asUser(opts.as, argv) : argv;
    const child = spawn(program, args, {
      cwd: opts.cwd ?? this.dir,
      env: opts.env ?? cleanEnv(),
      stdio: ["pipe", fd, fd],
      // Its own process group: Ctrl-C in a terminal reaches the runner only, which then runs the
      // teardown (and should it die instead, the watchdog stops the process); a stop that hangs
      // can kill the whole group.
      detached: true,
    });
    fs.closeSync(fd);
    unref(child);
    const exited = new Promise<number | null>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
      child.on("error", () => resolve(127));
    });
    const proc = { name, child, log, exited, expectClean: opts.expectClean ?? false };
    this.procs.push(proc);
    return proc;
  }

  /** Stops every process (last started first), copies the logs to `keepLogsIn`, removes the
   * directory. Returns what went wrong on the way (a replica that did not exit 0 on SIGTERM). */
  async stop(keepLogsIn?: string): Promise<string[]> {
    const problems: string[] = [];
    for (const proc of [...this.procs].reverse()) {
      const status = await stopProc(proc);
      if (proc.expectClean && status !== 0) {
        problems.push(`${proc.name} exited with ${status} when stopped (log: ${proc.name}.log):\n${tail(proc.log)}`);
      }
    }
    this.procs = [];
    if (keepLogsIn) {
      try {
        fs.rmSync(keepLogsIn, { recursive: true, force: true });
        fs.mkdirSync(keepLogsIn, { recursive: true });
        for (const file of fs.readdirSync(path.join(this.dir, "logs"))) {
          fs.copyFileSync(path.join(this.dir, "logs", file), path.join(keepLogsIn, file));
        }
        for (const entry of fs.readdirSync(this.dir)) {
          const access = path.join(this.dir, entry, "access.log");
          if (fs.existsSync(access)) {
            fs.copyFileSync(access, path.join(keepLogsIn, `${entry}-access.log`));
          }
        }
      } catch {
        // The logs are a convenience.
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.janitor.stdin?.end("done\n");
    return problems;
  }
}

async function stopProc(proc: Proc): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    return proc.exited;
  }
  // Waited for now: the runner stays alive until it has exited (it was unreferenced so that a
  // runner that never gets here does not wait for it).
  proc.child.ref();
  proc.child.stdin?.end("stop\n");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), 20_000);
  });
  const result = await Promise.race([proc.exited, timeout]);
  clearTimeout(timer);
  if (result !== "timeout") {
    return result;
  }
  try {
    if (proc.child.pid) {
      process.kill(-proc.child.pid, "SIGKILL");
    }
  } catch {
    // Gone meanwhile.
  }
  await proc.exited;
  return -1;
}

function unref(child: ChildProcess) {
  child.unref();
  // The runner must never wait for these pipes: teardown or the watchdogs end the processes.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}

/** The environment without anything that would point a child at some other console, tenant or
 * database. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(CONSOLE_|ISC_|LEPTOS_|PG|RUST_LOG)/.test(name)) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

function asUser(user: User, argv: string[]): string[] {
  return ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", ...argv];
}

function userIds(name: string, why: string): User {
  const id = (flag: string) => {
    const out = spawnSync("id", [flag, name], { encoding: "utf8" });
    if (out.status !== 0) {
      throw new Error(`The tests run as root and ${why}, but there is no \`${name}\` user: run ./scripts/setup.`);
    }
    return Number(out.stdout.trim());
  };
  return { uid: id("-u"), gid: id("-g"), name };
}

function chownTree(dir: string, user: User) {
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      chownTree(p, user);
    } else {
      fs.chownSync(p, user.uid, user.gid);
    }
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `count` distinct loopback ports that were free a moment ago (held together, so distinct). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** GET `url` until it answers 200 (https: trusting `ca` only), or throws after the timeout
 * or as soon as `proc` has exited, with its log. */
async function waitReady(proc: Proc, url: string, ca?: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before ${url} answered:\n${tail(proc.log)}`);
    }
    try {
      const status = await get(url, ca);
      if (status === 200) {
        return;
      }
      last = `status ${status}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} (${proc.name}) did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}):\n${tail(proc.log)}`);
    }
    await sleep(100);
  }
}

function get(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = url.startsWith("https:")
      ? https.get(url, { ca, timeout: 3000 }, onResponse)
      : http.get(url, { timeout: 3000 }, onResponse);
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** Waits for a line matching `pattern` in `proc`'s log and returns the match. */
async function waitForLine(proc: Proc, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const match = fs.readFileSync(proc.log, "utf8").match(pattern);
    if (match) {
      return match;
    }
    if (proc.child.exitCode !== null || proc.child.signalCode !== null || Date.now() > deadline) {
      throw new Error(`${proc.name} did not print ${pattern}:\n${tail(proc.log)}`);
    }
    await sleep(50);
  }
}

function which(candidates: string[]): string | undefined {
  for (const c of candidates) {
    if (c.includes("/")) {
      if (fs.existsSync(c)) return c;
    } else {
      const out = spawnSync("sh", ["-c", `command -v ${c}`], { encoding: "utf8" });
      if (out.status === 0 && out.stdout.trim()) return out.stdout.trim();
    }
  }
  return undefined;
}

function need(file: string, what: string) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: ${what}`);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** Debian's PostgreSQL server programs: the newest /usr/lib/postgresql/<major>/bin, else
 * `pg_config --bindir`. */
function pgBin(): string {
  const base = "/usr/lib/postgresql";
  const majors = fs.existsSync(base)
    ? fs.readdirSync(base).filter((m) => fs.existsSync(path.join(base, m, "bin/initdb")))
      .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length > 0) {
    return path.join(base, majors[0], "bin");
  }
  const out = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (out.status === 0 && fs.existsSync(path.join(out.stdout.trim(), "initdb"))) {
    return out.stdout.trim();
  }
  throw new Error("PostgreSQL's initdb and postgres were not found: run ./scripts/setup (it installs Debian's postgresql).");
}

/** Starts a cluster with a `console` role; returns its port and the role's password. */
async function startPostgres(stack: ProxyStack, runAs: User | undefined): Promise<{ port: number; password: string; psql: (sql: string) => void }> {
  const bin = pgBin();
  const dir = path.join(stack.dir, "pg");
  fs.mkdirSync(dir, { mode: 0o700 });
  const pwfile = path.join(dir, "superuser-password");
  fs.writeFileSync(pwfile, randomBytes(16).toString("hex"), { mode: 0o600 });
  if (runAs) {
    chownTree(dir, runAs);
  }
  const initdb = [path.join(bin, "initdb"), "--pgdata", path.join(dir, "data"), "--username=postgres", "--pwfile", pwfile,
    "--encoding=UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"];
  const [program, ...args] = runAs ? asUser(runAs, initdb) : initdb;
  const out = spawnSync(program, args, { cwd: dir, env: cleanEnv(), encoding: "utf8" });
  if (out.status !== 0) {
    throw new Error(`initdb failed (${out.status ?? out.signal}):\n${out.stdout}${out.stderr}${out.error ?? ""}`);
  }
  fs.rmSync(pwfile);

  const [port] = await freePorts(1);
  const proc = stack.start("postgres", [
    path.join(bin, "postgres"), "-D", path.join(dir, "data"), "-p", String(port),
    "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`,
    // Throwaway data: durability only costs time.
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "shared_buffers=16MB",
  ], { cwd: dir, env: cleanEnv(), as: runAs, signal: "INT", expectClean: true });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`postgres exited before accepting connections:\n${tail(proc.log)}`);
    }
    // Over our own socket: a server answering there is ours.
    const ready = spawnSync(path.join(bin, "pg_isready"), ["--host", dir, "--port", String(port), "--timeout=1", "--quiet"], { env: cleanEnv() });
    if (ready.status === 0) break;
    if (Date.now() > deadline) {
      throw new Error(`postgres did not accept connections within ${READY_TIMEOUT_MS / 1000} s:\n${tail(proc.log)}`);
    }
    await sleep(50);
  }
  const psql = (sql: string) => {
    const out = spawnSync(path.join(bin, "psql"), ["--host", dir, "--port", String(port), "--username", "postgres", "--dbname", "postgres",
      "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", "-"], { input: sql, env: cleanEnv(), encoding: "utf8" });
    if (out.status !== 0) {
      throw new Error(`psql failed on ${sql}:\n${out.stderr}`);
    }
  };
  const password = randomBytes(16).toString("hex");
  psql(`CREATE ROLE console LOGIN PASSWORD '${password}';`);
  return { port, password, psql };
}

// ---------------------------------------------------------------------------------------------
// nginx

/** deploy/nginx/sync-groups-console.conf with the test's replicas, ports and certificate; the
 * stripping variant includes the other snippet. Each substitution must apply exactly as often as
 * expected, so a change to the shipped file fails here, loudly, rather than testing something
 * else. */
function siteForTest(opts: { replicas: number[]; https: number; http: number; cert: string; key: string; strip: boolean }): string {
  let site = fs.readFileSync(path.join(DEPLOY_NGINX, "sync-groups-console.conf"), "utf8");
  const replace = (pattern: RegExp, by: string | ((...m: string[]) => string), times: number, what: string) => {
    const found = site.match(new RegExp(pattern.source, "gm"))?.length ?? 0;
    if (found !== times) {
      throw new Error(`deploy/nginx/sync-groups-console.conf: expected ${times} ${what} (${pattern}), found ${found}; update end2end/tests-proxy/proxy-stack.ts`);
    }
    site = site.replace(new RegExp(pattern.source, "gm"), by as string);
  };
  // The replicas: the example's server lines become ours, their parameters kept.
  let i = 0;
  replace(/^(\s*)server [0-9.]+:\d+( [^;]*)?;/, (_m, indent, params) => `${indent}server 127.0.0.1:${opts.replicas[i++]}${params ?? ""};`, opts.replicas.length, "replica server lines");
  replace(/^\s*listen \[::\]:\d+.*;\n/, "", 2, "IPv6 listen lines");
  replace(/^(\s*)listen 443 /, `$1listen 127.0.0.1:${opts.https} `, 1, "`listen 443` line");
  replace(/^(\s*)listen 80;/, `$1listen 127.0.0.1:${opts.http};`, 1, "`listen 80` line");
  replace(/^(\s*ssl_certificate\s+)\S+;/, `$1${opts.cert};`, 1, "ssl_certificate line");
  replace(/^(\s*ssl_certificate_key\s+)\S+;/, `$1${opts.key};`, 1, "ssl_certificate_key line");
  if (opts.strip) {
    replace(/^(\s*)include snippets\/sync-groups-console\.conf;/, "$1include snippets/sync-groups-console-strip.conf;", 1, "snippet include");
  }
  return site;
}

function nginxConf(dir: string): string {
  return `# The main configuration of a throwaway nginx (proxy browser tests); the site is deploy's.
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/client_body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    default_type application/octet-stream;
    include sites/sync-groups-console.conf;
}
`;
}

async function startNginx(stack: ProxyStack, opts: {
  name: string; nginx: string; runAs?: User; tls: { cert: string; key: string }; replicas: number[]; https: number; http: number; strip: boolean;
}): Promise<Proc> {
  const dir = path.join(stack.dir, opts.name);
  fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
  fs.mkdirSync(path.join(dir, "sites"));
  fs.mkdirSync(path.join(dir, "snippets"));
  // The snippets exactly as shipped, where `include snippets/...` finds them (relative includes
  // are resolved against the main configuration's directory, as /etc/nginx in production).
  for (const file of fs.readdirSync(path.join(DEPLOY_NGINX, "snippets"))) {
    fs.copyFileSync(path.join(DEPLOY_NGINX, "snippets", file), path.join(dir, "snippets", file));
  }
  fs.writeFileSync(path.join(dir, "sites", "sync-groups-console.conf"), siteForTest({ ...opts, ...opts.tls }));
  fs.writeFileSync(path.join(dir, "nginx.conf"), nginxConf(dir));
  if (opts.runAs) {
    chownTree(dir, opts.runAs);
  }
  const command = [opts.nginx, "-e", "stderr", "-p", dir, "-c", path.join(dir, "nginx.conf")];
  const [program, ...args] = opts.runAs ? asUser(opts.runAs, [...command, "-t"]) : [...command, "-t"];
  const check = spawnSync(program, args, { env: cleanEnv(), encoding: "utf8" });
  if (check.status !== 0) {
    throw new Error(`nginx -t refused the configuration made from deploy/nginx:\n${check.stderr}`);
  }
  // SIGQUIT: nginx's graceful shutdown.
  return stack.start(opts.name, command, { cwd: dir, as: opts.runAs, signal: "QUIT", env: cleanEnv() });
}

// ---------------------------------------------------------------------------------------------

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  need(SERVER, "build it with ./scripts/build-site");
  need(path.join(SITE, "pkg"), "build it with ./scripts/build-site");
  need(SANDBOX, "build it with cargo build --release --locked -p sandbox");
  const nginx = which(["/usr/sbin/nginx", "nginx"]);
  if (!nginx) throw new Error("nginx is missing: run ./scripts/setup (it installs Debian's nginx).");
  const openssl = which(["openssl"]);
  if (!openssl) throw new Error("openssl is missing: install Debian's openssl (apt-get install openssl).");

  const root = process.getuid?.() === 0;
  const pgUser = root ? userIds("postgres", "PostgreSQL refuses to run as root") : undefined;
  const webUser = root ? userIds("www-data", "nginx is run unprivileged") : undefined;

  const stack = new ProxyStack();
  try {
    // The certificate, readable by nginx only.
    const tlsDir = path.join(stack.dir, "tls");
    fs.mkdirSync(tlsDir, { mode: 0o700 });
    const tls = { cert: path.join(tlsDir, "cert.pem"), key: path.join(tlsDir, "key.pem") };
    execFileSync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tls.key, "-out", tls.cert], { stdio: ["ignore", "ignore", "pipe"] });
    if (webUser) chownTree(tlsDir, webUser);
    const ca = fs.readFileSync(tls.cert, "utf8");

    const [httpsA, httpsB, httpA, httpB, a1, a2, b1, b2] = await freePorts(8);
    const originA = `https://127.0.0.1:${httpsA}`;
    const originB = `https://127.0.0.1:${httpsB}`;

    const pg = await startPostgres(stack, pgUser);
    pg.psql("CREATE DATABASE console_forwarded OWNER console; CREATE DATABASE console_stripped OWNER console;");

    const sandbox = stack.start("sandbox", [SANDBOX, "--addr", "127.0.0.1:0",
      "--redirect-uri", `${originA}${PREFIX}/auth/callback`, "--redirect-uri", `${originB}${PREFIX}/auth/callback`],
    { signal: "INT" });
    const sandboxUrl = (await waitForLine(sandbox, /sandbox listening on (http:\/\/\S+)/))[1];

    // The console as installed (deploy/systemd): the binary with cargo-leptos's hash.txt beside
    // it and the site in a directory of its own, copied, so a build running meanwhile changes
    // nothing under the tests' feet.
    const app = path.join(stack.dir, "app");
    fs.mkdirSync(app);
    const server = path.join(app, "server");
    fs.copyFileSync(SERVER, server);
    fs.chmodSync(server, 0o755);
    if (fs.existsSync(HASH_FILE)) {
      fs.copyFileSync(HASH_FILE, path.join(app, "hash.txt"));
    }
    const site = path.join(app, "site");
    fs.cpSync(SITE, site, { recursive: true });

    const secretKey = randomBytes(32).toString("base64");
    const consoles: [Proc, number][] = [];
    for (const [name, port, origin, db] of [
      ["console-forwarded-1", a1, originA, "console_forwarded"],
      ["console-forwarded-2", a2, originA, "console_forwarded"],
      ["console-stripped-1", b1, originB, "console_stripped"],
      ["console-stripped-2", b2, originB, "console_stripped"],
    ] as const) {
      const dir = path.join(stack.dir, name);
      fs.mkdirSync(dir, { mode: 0o700 });
      const proc = stack.start(name, [server], {
        cwd: dir,
        expectClean: true,
        env: cleanEnv({
          CONSOLE_ADDR: `127.0.0.1:${port}`,
          CONSOLE_PUBLIC_URL: `${origin}${PREFIX}`,
          CONSOLE_TRUSTED_PROXIES: "127.0.0.1",
          CONSOLE_DATABASE_URL: `postgres://console:${pg.password}@127.0.0.1:${pg.port}/${db}`,
          CONSOLE_SECRET_KEY: secretKey,
          CONSOLE_DATA_DIR: path.join(dir, "data"),
          CONSOLE_SHUTDOWN_DRAIN_SECS: "0",
          ISC_API_URL: sandboxUrl,
          ISC_TENANT_NAME: "sandbox",
          ISC_CLIENT_ID: "console",
          ISC_CLIENT_SECRET: "console-secret",
          ISC_READONLY_CLIENT_ID: "readonly-api",
          ISC_READONLY_CLIENT_SECRET: "readonly-api-secret",
          LEPTOS_SITE_ROOT: site,
          RUST_LOG: process.env.RUST_LOG ?? "info",
        }),
      });
      consoles.push([proc, port]);
    }
    await Promise.all(consoles.map(([proc, port]) => waitReady(proc, `http://127.0.0.1:${port}/readyz`)));

    const proxies = [
      await startNginx(stack, { name: "nginx-forwarded", nginx, runAs: webUser, tls, replicas: [a1, a2], https: httpsA, http: httpA, strip: false }),
      await startNginx(stack, { name: "nginx-stripped", nginx, runAs: webUser, tls, replicas: [b1, b2], https: httpsB, http: httpB, strip: true }),
    ];
    // Through each proxy, with the certificate as the only trusted root.
    await waitReady(proxies[0], `${originA}${PREFIX}/readyz`, ca);
    await waitReady(proxies[1], `${originB}${PREFIX}/readyz`, ca);

    process.env[ENV.forwarded] = originA;
    process.env[ENV.stripped] = originB;
    process.env[ENV.sandbox] = sandboxUrl;
    (globalThis as { __sgcProxyStack?: ProxyStack }).__sgcProxyStack = stack;
    console.log(`proxy stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${originA}${PREFIX}/ (path forwarded), ` +
      `${originB}${PREFIX}/ (path stripped), sandbox ${sandboxUrl}, PostgreSQL on ${pg.port}; files in ${stack.dir}`);
  } catch (e) {
    await stack.stop(path.join(__dirname, "..", "test-results", "proxy", "logs"));
    throw e;
  }
}
