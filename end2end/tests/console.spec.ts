import { expect, hydrated, sandboxGroups, SHOTS, signIn, test } from "./support";

test("a signed-out visit goes to the tenant's sign-in page and comes back", async ({ page }) => {
  await page.goto("/groups?sort=-name");
  await expect(page).toHaveURL(/\/sandbox\/oauth\/authorize/);
  await page.screenshot({ path: `${SHOTS}/sandbox-sign-in.png`, fullPage: true });
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/groups\?sort=-name$/);
});

test("admin signs in, searches and sorts the list, opens a detail page", async ({ page, request }) => {
  const groups = await sandboxGroups(request);
  await signIn(page, "admin");
  await expect(page.locator(".user")).toContainText("Administrator");
  await hydrated(page);
  const rows = page.locator("table.groups tbody tr");
  await expect(rows).toHaveCount(groups.length);

  // Sort by name, descending, with the column header.
  await page.getByRole("link", { name: /^Name/ }).click();
  await expect(page).toHaveURL(/sort=-name/);
  const sorted = [...groups.map((g) => g.name)].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
  await expect(page.locator("table.groups tbody th")).toHaveText(sorted);
  await expect(page.getByRole("columnheader", { name: /^Name/ })).toHaveAttribute("aria-sort", "descending");

  // Search by a source name: only the groups with that source remain.
  await page.getByLabel("Search").fill("github");
  await expect(rows).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/groups-search.png`, fullPage: true });

  // Open the detail page of the remaining group.
  const name = (await rows.locator("th a").first().textContent()) ?? "";
  await rows.locator("th a").first().click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByText("Users see this name in Password Manager")).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Password policy: / })).toBeVisible();
  await expect(page.getByText(/^Length$/)).toBeVisible();
  await expect(page.locator("table.sources tbody tr")).not.toHaveCount(0);
  await expect(page.getByRole("button", { name: "Copy the group's id" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/group-detail.png`, fullPage: true });
  // The back button returns to the same search (state lives in the URL).
  await page.goBack();
  await expect(page).toHaveURL(/q=github/);
  await expect(rows).toHaveCount(1);
});

test("an unknown group id is a not-found page with status 404", async ({ page }) => {
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  const response = await page.goto("/groups/00000000-0000-0000-0000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("helpdesk sees the same data without any edit control", async ({ page, request }) => {
  const groups = await sandboxGroups(request);
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await expect(page.locator(".user")).toContainText("Helpdesk (read-only)");
  await expect(page.locator("table.groups tbody tr")).toHaveCount(groups.length);
  for (const g of groups) {
    await expect(page.getByRole("rowheader", { name: g.name })).toBeVisible();
  }
  await expect(page.getByRole("button", { name: /edit|delete|create|new/i })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /edit|delete|create|new group/i })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/helpdesk-list.png`, fullPage: true });
  await page.getByRole("link", { name: groups[0].name }).click();
  await expect(page.getByRole("heading", { level: 1, name: groups[0].name })).toBeVisible();
  await expect(page.getByRole("button", { name: /edit|delete/i })).toHaveCount(0);
});

test("a user without a console user level gets a polite no-access page", async ({ page }) => {
  await signIn(page, "auditor");
  await expect(page).toHaveURL(/\/no-access$/);
  await expect(page.getByRole("heading", { name: "No access to this console" })).toBeVisible();
  await expect(page.getByText("ORG_ADMIN")).toBeVisible();
  await expect(page.getByText(/signed in to ISC as auditor/)).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/no-access.png`, fullPage: true });
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto("/groups");
  await expect(page).toHaveURL(/\/sandbox\/oauth\/authorize/);
});

test("a narrow screen in dark mode stays usable", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await expect(page.locator("table.groups tbody tr").first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await page.screenshot({ path: `${SHOTS}/groups-narrow-dark.png`, fullPage: true });
  await context.close();
});
