// Global teardown of the proxy suite: stops what proxy-stack.ts started (nginx, the console
// replicas, the sandbox, PostgreSQL), keeps their logs in test-results/proxy/logs and removes the
// temporary directory. A console replica that does not exit 0 on SIGTERM fails the run: graceful
// shutdown is part of what is deployed.

import path from "node:path";
import type { ProxyStack } from "./proxy-stack";

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __sgcProxyStack?: ProxyStack };
  const stack = holder.__sgcProxyStack;
  if (!stack) {
    return;
  }
  holder.__sgcProxyStack = undefined;
  const problems = await stack.stop(path.join(__dirname, "..", "test-results", "proxy", "logs"));
  if (problems.length > 0) {
    throw new Error(`The proxy stack did not stop cleanly:\n${problems.join("\n\n")}`);
  }
}
