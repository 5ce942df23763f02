import { APIRequestContext, BrowserContext, Page, test as base, expect } from "@playwright/test";
import { ENV, PREFIX } from "./stack-env";

export { expect, PREFIX };

/** Which nginx: the one forwarding /tools/sync-groups as is, or the one stripping it. */
export type Variant = "forwarded" | "stripped";

/** Everything a browser did that a console served under the path must not make it do. */
export class Guard {
  readonly problems: string[] = [];

  constructor(readonly origin: string, readonly sandbox: string) {}

  /** Requests to the proxy must stay under the path; the only other place the browser may go is
   * the tenant's sign-in page (the sandbox's /oauth/authorize, on its own origin). Answers of 400
   * and more from the proxy, uncaught page errors and errors logged on the console's pages (CSP
   * violations among them) are noted too. */
  watch(context: BrowserContext) {
    context.on("request", (request) => {
      const url = new URL(request.url());
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return;
      }
      if (url.origin === this.origin) {
        if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) {
          this.problems.push(`${request.method()} ${request.url()} (${request.resourceType()}) is outside ${PREFIX}/`);
        }
      } else if (url.origin === this.sandbox) {
        if (!url.pathname.startsWith("/oauth/authorize")) {
          this.problems.push(`${request.method()} ${request.url()} (${request.resourceType()}): the browser went to the tenant for more than its sign-in page`);
        }
      } else {
        this.problems.push(`${request.method()} ${request.url()} (${request.resourceType()}) is neither the proxy ${this.origin} nor the tenant's sign-in page`);
      }
    });
    context.on("response", (response) => {
      if (new URL(response.url()).origin === this.origin && response.status() >= 400) {
        this.problems.push(`${response.request().method()} ${response.url()} answered ${response.status()}`);
      }
    });
    context.on("weberror", (error) => this.problems.push(`page error: ${error.error().message}`));
    // Errors the browser logs: a refused script or style (CSP), a failed import of the bundle.
    context.on("console", (message) => {
      if (message.type() === "error" && new URL(message.page()?.url() ?? "about:blank").origin === this.origin) {
        this.problems.push(`console error on ${message.page()?.url()}: ${message.text()}`);
      }
    });
  }
}

type Options = { variant: Variant };

type Fixtures = {
  /** https://127.0.0.1:PORT of this project's nginx. */
  origin: string;
  /** The absolute URL of a console path through the proxy: at("/groups") →
   * https://127.0.0.1:PORT/tools/sync-groups/groups. */
  at: (path: string) => string;
  tenant: Tenant;
  guard: Guard;
  /** A page in a fresh context without JavaScript, watched by the guard too. */
  noScriptPage: Page;
};

export const test = base.extend<Options & Fixtures>({
  variant: ["forwarded", { option: true }],
  origin: async ({ variant }, use) => {
    const origin = process.env[variant === "forwarded" ? ENV.forwarded : ENV.stripped];
    if (!origin) {
      throw new Error("The proxy stack is not running: run with -c playwright.proxy.config.ts");
    }
    await use(origin);
  },
  at: async ({ origin }, use) => use((path: string) => `${origin}${PREFIX}${path}`),
  tenant: async ({ playwright }, use) => {
    const request = await playwright.request.newContext();
    await use(new Tenant(request, process.env[ENV.sandbox] ?? ""));
    await request.dispose();
  },
  guard: [
    async ({ context, origin, tenant }, use) => {
      const guard = new Guard(origin, tenant.url);
      guard.watch(context);
      await use(guard);
      expect(guard.problems, "requests outside the console's path, errors or error answers").toEqual([]);
    },
    { auto: true },
  ],
  noScriptPage: async ({ browser, guard }, use) => {
    const context = await browser.newContext({ javaScriptEnabled: false, ignoreHTTPSErrors: true });
    guard.watch(context);
    await use(await context.newPage());
    await context.close();
  },
});

/** The standalone sandbox tenant, straight (not through the console): its loopback-only control
 * endpoint and its API, to compare the console with the tenant. */
export class Tenant {
  constructor(private readonly request: APIRequestContext, readonly url: string) {}

  /** Back to the seeded demo org. */
  async reset() {
    const r = await this.request.post(`${this.url}/__sandbox/reset`, { data: { data: true } });
    expect(r.ok(), await r.text()).toBeTruthy();
  }

  async groups(): Promise<{ id: string; name: string; policyId: string; sourceIds: string[] }[]> {
    const token = await this.request.post(`${this.url}/oauth/token`, {
      form: { grant_type: "client_credentials", client_id: "readonly-api", client_secret: "readonly-api-secret" },
    });
    expect(token.ok()).toBeTruthy();
    const { access_token } = await token.json();
    const list = await this.request.get(`${this.url}/beta/password-sync-groups`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(list.ok()).toBeTruthy();
    return list.json();
  }
}

/** Resolves once the wasm app has hydrated the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Opens `path` through the proxy signed out, which leads to the tenant's sign-in page, and signs
 * in there as `user`. */
export async function signIn(page: Page, at: (path: string) => string, tenant: Tenant, user: "admin" | "helpdesk", path = "/") {
  await page.goto(at(path));
  await expect(page).toHaveURL((url) => url.href.startsWith(`${tenant.url}/oauth/authorize?`));
  await expect(page.getByRole("heading", { name: /Sign in to .*/ })).toBeVisible();
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The console's cookies as the browser keeps them: each must carry the `__Secure-` prefix (https
 * under a path; `__Host-` needs Path=/), Secure, HttpOnly, SameSite=Lax, the console's path and
 * no Domain (host-only). Returns their names without the prefix. */
export async function consoleCookies(context: BrowserContext): Promise<string[]> {
  const cookies = (await context.cookies()).filter((c) => c.name.includes("sgc_"));
  // Soft: every cookie's every problem is reported, not only the first.
  for (const c of cookies) {
    const what = `cookie ${c.name}`;
    expect.soft(c.name, `${what}: the __Secure- prefix`).toMatch(/^__Secure-sgc_/);
    expect.soft(c.secure, `${what}: Secure`).toBe(true);
    expect.soft(c.httpOnly, `${what}: HttpOnly`).toBe(true);
    expect.soft(c.sameSite, `${what}: SameSite`).toBe("Lax");
    expect.soft(c.path, `${what}: Path`).toBe(PREFIX);
    expect.soft(c.domain, `${what}: host-only`).toBe("127.0.0.1");
  }
  return cookies.map((c) => c.name.replace(/^__Secure-/, "")).sort();
}
