// What proxy-stack.ts (global setup) tells the tests, through environment variables the test
// workers inherit.

/** The path nginx serves the console under (deploy/nginx/snippets/sync-groups-console.conf). */
export const PREFIX = "/tools/sync-groups";

export const ENV = {
  /** https://127.0.0.1:PORT of the nginx that forwards the path as is. */
  forwarded: "SGC_PROXY_E2E_FORWARDED_ORIGIN",
  /** https://127.0.0.1:PORT of the nginx that strips the path. */
  stripped: "SGC_PROXY_E2E_STRIPPED_ORIGIN",
  /** http://127.0.0.1:PORT of the standalone sandbox tenant. */
  sandbox: "SGC_PROXY_E2E_SANDBOX_URL",
} as const;
