// The console behind nginx under https://127.0.0.1:PORT/tools/sync-groups/ (see
// playwright.proxy.config.ts): every test runs once through the nginx that forwards the path and
// once through the one that strips it. Every test is watched by the guard (fixtures.ts): a request
// to the proxy outside /tools/sync-groups/, an answer of 400 or more, or a page error fails it.

import { Page } from "@playwright/test";
import { PREFIX, Tenant, consoleCookies, expect, hydrated, signIn, test } from "./fixtures";

test.beforeEach(async ({ tenant }) => {
  await tenant.reset();
});

/** The list, then a group's detail page, by its link. */
async function openGroup(page: Page, at: (path: string) => string, name: string) {
  await page.goto(at("/groups"));
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  expect(new URL(page.url()).pathname).toMatch(new RegExp(`^${PREFIX}/groups/[^/]+$`));
}

async function groupNames(tenant: Tenant): Promise<string[]> {
  return (await tenant.groups()).map((g) => g.name);
}

test("admin signs in through the proxy; cookies carry the __Secure- prefix, flags and the path", async ({ page, context, at, tenant }) => {
  // The path without its slash is redirected by nginx to the path with it, then to sign in.
  await page.goto(at(""));
  await expect(page).toHaveURL((url) => url.href.startsWith(`${tenant.url}/oauth/authorize?`));
  const authorize = new URL(page.url());
  expect(authorize.searchParams.get("redirect_uri")).toBe(at("/auth/callback"));
  // The sign-in in progress is remembered in a cookie of its own, under the path.
  expect(await consoleCookies(context)).toEqual(["sgc_login"]);

  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("admin");
  const callback = page.waitForResponse((r) => r.url().startsWith(at("/auth/callback?")));
  await page.getByRole("button", { name: "Sign in" }).click();
  const setCookies = (await (await callback).headersArray())
    .filter((h) => h.name.toLowerCase() === "set-cookie")
    .map((h) => h.value);
  expect(setCookies.length).toBeGreaterThan(0);
  for (const line of setCookies) {
    expect.soft(line, "Set-Cookie with the __Secure- prefix").toMatch(/^__Secure-sgc_/);
    expect.soft(line, "Set-Cookie with the console's path").toMatch(new RegExp(`;\\s*Path=${PREFIX}(;|$)`, "i"));
    expect.soft(line, "Set-Cookie with Secure").toMatch(/;\s*Secure(;|$)/i);
    expect.soft(line, "Set-Cookie with HttpOnly").toMatch(/;\s*HttpOnly(;|$)/i);
    expect.soft(line, "Set-Cookie with SameSite=Lax").toMatch(/;\s*SameSite=Lax(;|$)/i);
    expect.soft(line, "Set-Cookie host-only").not.toMatch(/;\s*Domain=/i);
  }

  await expect(page).toHaveURL(at("/groups"));
  await expect(page.getByRole("heading", { level: 1, name: "Password sync groups" })).toBeVisible();
  await expect(page.locator(".user")).toContainText("Administrator");
  await hydrated(page);
  expect(await consoleCookies(context)).toEqual(["sgc_session", "sgc_signed_in"]);
  // The session reaches both replicas behind the proxy (they share the database): a few pages
  // in a row, nginx alternating between them, all signed in.
  for (let i = 0; i < 4; i++) {
    await page.goto(at(i % 2 ? "/groups?sort=-name" : "/groups"));
    await expect(page.locator(".user")).toContainText("Administrator");
  }

  // Health checks answer under the path too (a load balancer's view).
  for (const check of ["/healthz", "/readyz"]) {
    const r = await page.request.get(at(check));
    expect(r.status(), check).toBe(200);
    expect(await r.json()).toEqual({ status: "ok" });
  }
});

test("admin creates, edits and deletes a group through the proxy, with JavaScript", async ({ page, at, tenant, variant }) => {
  const name = `Proxied ${variant}`;
  await signIn(page, at, tenant, "admin");
  await expect(page).toHaveURL(at("/groups"));
  await hydrated(page);

  // Create: the form, the review dialog, the detail page.
  await page.getByRole("link", { name: "New sync group" }).click();
  await expect(page).toHaveURL(at("/groups/new"));
  await expect(page.getByRole("heading", { level: 1, name: "New sync group" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("radio", { name: /Corporate Standard/ }).check();
  await page.getByLabel(/Okta/).check();
  await page.getByLabel(/SAP S\/4HANA/).check();
  await page.getByRole("button", { name: "Review changes" }).click();
  const review = page.getByRole("dialog", { name: "Review your changes" });
  await expect(review).toContainText("Okta");
  await review.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Created the sync group")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  expect(new URL(page.url()).pathname).toMatch(new RegExp(`^${PREFIX}/groups/[^/]+$`));
  expect(await groupNames(tenant)).toContain(name);

  // Edit: rename it.
  await hydrated(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit ${name}` })).toBeVisible();
  expect(new URL(page.url()).pathname).toMatch(new RegExp(`^${PREFIX}/groups/[^/]+/edit$`));
  await hydrated(page);
  await page.getByLabel("Name").fill(`${name} renamed`);
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(review).toContainText(`${name} renamed`);
  await review.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved your changes")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: `${name} renamed` })).toBeVisible();
  expect(await groupNames(tenant)).toContain(`${name} renamed`);

  // Delete: the dialog, the typed name, back to the list.
  await hydrated(page);
  await page.getByRole("link", { name: "Delete…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this sync group?" });
  await dialog.getByLabel(/type the group's name/).fill(`${name} renamed`);
  await dialog.getByRole("button", { name: "Delete group" }).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(at("/groups?deleted=")));
  await expect(page.getByRole("status").filter({ hasText: "Deleted the sync group" })).toBeVisible();
  expect(await groupNames(tenant)).not.toContain(`${name} renamed`);
});

test("admin creates, edits and deletes a group through the proxy, without JavaScript", async ({ noScriptPage: page, at, tenant, variant }) => {
  const name = `Proxied no-script ${variant}`;
  await signIn(page, at, tenant, "admin");
  await expect(page).toHaveURL(at("/groups"));

  // Create: the form posts to the server, the review is a page.
  await page.getByRole("link", { name: "New sync group" }).click();
  await expect(page).toHaveURL(at("/groups/new"));
  await page.getByLabel("Name").fill(name);
  await page.getByRole("radio", { name: /Corporate Standard/ }).check();
  await page.getByLabel(/Okta/).check();
  await page.getByLabel(/SAP S\/4HANA/).check();
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(at("/groups/new/review?")));
  await expect(page.getByRole("heading", { name: "Review your changes" })).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Created the sync group")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  expect(await groupNames(tenant)).toContain(name);

  // Edit: rename it through the review page.
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit ${name}` })).toBeVisible();
  await page.getByLabel("Name").fill(`${name} renamed`);
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page).toHaveURL((url) => url.pathname.startsWith(`${PREFIX}/groups/`) && url.pathname.endsWith("/edit/review"));
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved your changes")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: `${name} renamed` })).toBeVisible();
  expect(await groupNames(tenant)).toContain(`${name} renamed`);

  // Delete: the confirmation page.
  await page.getByRole("link", { name: "Delete…" }).click();
  await expect(page).toHaveURL((url) => url.pathname.startsWith(`${PREFIX}/groups/`) && url.pathname.endsWith("/delete"));
  await page.getByLabel(/type the group's name/).fill(`${name} renamed`);
  await page.getByRole("button", { name: "Delete group" }).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(at("/groups?deleted=")));
  await expect(page.getByText("Deleted the sync group")).toBeVisible();
  expect(await groupNames(tenant)).not.toContain(`${name} renamed`);
});

test("helpdesk reads the list and a group through the proxy, with no edit control, and signs out", async ({ page, at, tenant }) => {
  const groups = await tenant.groups();
  await signIn(page, at, tenant, "helpdesk");
  await expect(page).toHaveURL(at("/groups"));
  await expect(page.locator(".user")).toContainText("Helpdesk (read-only)");
  await hydrated(page);
  await expect(page.locator("table.groups tbody tr")).toHaveCount(groups.length);
  for (const g of groups) {
    await expect(page.getByRole("rowheader", { name: g.name })).toBeVisible();
  }
  await expect(page.getByRole("button", { name: /edit|delete|create|new/i })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /edit|delete|create|new group/i })).toHaveCount(0);

  await openGroup(page, at, groups[0].name);
  await expect(page.getByRole("heading", { name: /^Password policy: / })).toBeVisible();
  await expect(page.getByRole("button", { name: /edit|delete/i })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /edit|delete/i })).toHaveCount(0);

  // Sign-out posts under the path and lands on the console's own sign-in page, under the path;
  // the session is over on every replica.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(at("/signin")));
  for (let i = 0; i < 2; i++) {
    await page.goto(at("/groups"));
    await expect(page).toHaveURL((url) => url.href.startsWith(`${tenant.url}/oauth/authorize?`));
  }
});
