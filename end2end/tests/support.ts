import { APIRequestContext, BrowserContext, Page, expect, test as base } from "@playwright/test";

export { expect };

/** Every test, with a guard: any Content-Security-Policy violation the browser reports on any
 * page of the test (the default page, and pages of contexts the test makes itself) fails it.
 * Chromium reports each refused script, style, image or connection as a console message naming
 * the policy. */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      const watch = (page: Page) =>
        page.on("console", (message) => {
          if (/Content Security Policy/i.test(message.text())) {
            violations.push(`${page.url()}: ${message.text()}`);
          }
        });
      const watchContext = (c: BrowserContext) => {
        c.pages().forEach(watch);
        c.on("page", watch);
      };
      watchContext(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args: Parameters<typeof newContext>) => {
        const created = await newContext(...args);
        watchContext(created);
        return created;
      };
      await use();
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

/** Where screenshots are kept for people to look at (and for the README). */
export const SHOTS = "screenshots";

/** The sync groups of the embedded sandbox, read straight from its API, so tests compare the
 * console with the tenant rather than with names copied into the test. */
export async function sandboxGroups(request: APIRequestContext): Promise<{ id: string; name: string }[]> {
  const token = await request.post("/sandbox/oauth/token", {
    form: {
      grant_type: "client_credentials",
      client_id: "readonly-api",
      client_secret: "readonly-api-secret",
    },
  });
  expect(token.ok()).toBeTruthy();
  const { access_token } = await token.json();
  const list = await request.get("/sandbox/beta/password-sync-groups", {
    headers: { Authorization: `Bearer ${access_token}` },
  });
  expect(list.ok()).toBeTruthy();
  return list.json();
}

/** Resolves once the wasm app has hydrated the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in through the sandbox tenant's own login page, starting from `path`. */
export async function signIn(page: Page, user: "admin" | "helpdesk" | "auditor", path = "/groups"): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole("heading", { name: /Sign in to .* \(sandbox tenant\)/ })).toBeVisible();
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Puts the sandbox tenant back to its seeded demo org (loopback-only control endpoint). */
export async function resetSandbox(request: APIRequestContext): Promise<void> {
  const r = await request.post("/sandbox/__sandbox/reset", { data: { data: true } });
  expect(r.ok()).toBeTruthy();
}

/** A bearer token of `admin`'s personal access token, for changing the tenant behind the
 * console's back (a concurrent edit). */
export async function adminApi(request: APIRequestContext) {
  const token = await request.post("/sandbox/oauth/token", {
    form: { grant_type: "client_credentials", client_id: "admin-pat", client_secret: "admin-pat-secret" },
  });
  expect(token.ok()).toBeTruthy();
  const { access_token } = await token.json();
  const headers = { Authorization: `Bearer ${access_token}` };
  return {
    get: async (path: string) => (await request.get(`/sandbox/beta/${path}`, { headers })).json(),
    put: async (path: string, data: unknown) => {
      const r = await request.put(`/sandbox/beta/${path}`, { headers, data });
      expect(r.ok()).toBeTruthy();
      return r.json();
    },
  };
}
