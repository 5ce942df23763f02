import { defineConfig, devices } from "@playwright/test";
import type { Variant } from "./tests-proxy/fixtures";

// The console behind a real nginx, under https://127.0.0.1:PORT/tools/sync-groups/, as an
// operator deploys it with deploy/: proxy-stack.ts (globalSetup) starts a throwaway PostgreSQL,
// the standalone sandbox tenant, two nginx instances on free loopback ports with a self-signed
// certificate made for the run, and behind each of them two console replicas (release build)
// sharing the database. One nginx forwards the path as is (deploy/nginx/snippets/
// sync-groups-console.conf), the other strips it (sync-groups-console-strip.conf); every test
// runs against both (the two projects). proxy-teardown.ts stops everything and removes it.
//
// Run with: npx playwright test -c playwright.proxy.config.ts (after ./scripts/build-site and
// cargo build --release --locked -p sandbox; ./scripts/test does both).

const chromium = {
  ...devices["Desktop Chrome"],
  // The certificate is self-signed for this run.
  ignoreHTTPSErrors: true,
  launchOptions: {
    // Debian's Chromium; never a browser downloaded by Playwright.
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig<{ variant: Variant }>({
  testDir: "./tests-proxy",
  // Apart from the main suite's (Playwright empties its output directory at the start of a run).
  outputDir: "./test-results/proxy",
  globalSetup: "./tests-proxy/proxy-stack.ts",
  globalTeardown: "./tests-proxy/proxy-teardown.ts",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // One sandbox tenant behind both proxies: the tests take turns.
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "prefix-forwarded", use: { ...chromium, variant: "forwarded" } },
    { name: "prefix-stripped", use: { ...chromium, variant: "stripped" } },
  ],
});
