import type { Page } from "@playwright/test";
import { expect, hydrated, resetSandbox, SHOTS, signIn, test } from "./support";

/** The export as the download serves it, with `rename` applied to the groups' names. */
async function changedExport(page: Page, rename: Record<string, string>): Promise<string> {
  const response = await page.request.get("/export/sync-groups.json");
  expect(response.ok()).toBeTruthy();
  expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="sync-groups-.*\.json"$/);
  const document = await response.json();
  for (const group of document.groups) {
    if (rename[group.name]) group.name = rename[group.name];
  }
  return JSON.stringify(document, null, 2);
}

test("sync groups as code: export, choose a changed file, review the plan, apply, read the report", async ({
  page,
  request,
}) => {
  await resetSandbox(request);
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await hydrated(page);
  await page.getByRole("link", { name: "Export / plan" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sync groups as code" })).toBeVisible();
  await expect(page.locator(".document-preview")).toContainText('"format": "sync-groups-console/v1"');
  await expect(page.getByRole("link", { name: /^Download sync-groups-.*\.json$/ })).toBeVisible();

  const changed = await changedExport(page, { "Business Apps": "Business Applications" });
  await page.getByRole("link", { name: "Plan changes from a document…" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Plan changes from a document" })).toBeVisible();
  await hydrated(page);
  // The file picker (hydrated only) reads the file into the text area.
  await page.getByLabel("Choose a file").setInputFiles({
    name: "sync-groups.json",
    mimeType: "application/json",
    buffer: Buffer.from(changed),
  });
  await expect(page.getByText("Read sync-groups.json.")).toBeVisible();
  await expect(page.getByLabel("Document (JSON)")).toHaveValue(changed);
  await page.getByRole("button", { name: "Show the plan" }).click();

  await expect(page).toHaveURL(/\/plans\/[0-9a-f]+$/);
  await expect(page.locator(".verdict-line")).toHaveText(/^1 change: 1 group to change; \d+ unchanged\.$/);
  const change = page.locator(".plan-group").filter({ hasText: "Business Applications" });
  await expect(change.locator(".badge")).toHaveText("Change");
  await expect(change.locator(".consequences")).toContainText("Business Applications");
  await expect(page.locator(".plan-unchanged summary")).toContainText("unchanged");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}/plan.png`, fullPage: true });

  await page.getByRole("button", { name: "Apply 1 change" }).click();
  await expect(page.locator(".verdict-line")).toHaveText("The change was made.");
  const step = page.locator(".plan-report .plan-group");
  await expect(step).toHaveCount(1);
  await expect(step.locator(".badge")).toHaveText("Done");
  await expect(page.getByRole("button", { name: /^Apply/ })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/plan-report.png`, fullPage: true });

  // In the history of the group, as a change made through the console.
  await step.getByRole("link", { name: "Business Applications" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Business Applications" })).toBeVisible();
  await resetSandbox(request);
});

test("sync groups as code without JavaScript and at 390 px: problems at their place, then a plan applied", async ({
  browser,
  request,
}) => {
  await resetSandbox(request);
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await page.goto("/export");
  await expect(page.locator(".document-preview")).toContainText("sync-groups-console/v1");

  // Markup in a name: a problem of that group, and no apply button.
  await page.goto("/plan");
  await expect(page.getByLabel("Choose a file")).toHaveCount(0);
  await page.getByLabel("Document (JSON)").fill(await changedExport(page, { "Business Apps": "<b>Apps</b>" }));
  await page.getByRole("button", { name: "Show the plan" }).click();
  await expect(page).toHaveURL(/\/plans\/[0-9a-f]+$/);
  await expect(page.locator(".verdict-line")).toHaveText("Nothing can be applied until 1 problem is fixed.");
  await expect(page.locator(".plan-group.has-problems .place")).toHaveText(/^groups\[\d+\]$/);
  await expect(page.getByRole("button", { name: /^Apply/ })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/plan-problems-narrow.png`, fullPage: true });

  await page.goto("/plan");
  await page.getByLabel("Document (JSON)").fill(await changedExport(page, { "Engineering Systems": "Engineering" }));
  await page.getByRole("button", { name: "Show the plan" }).click();
  await expect(page.locator(".verdict-line")).toHaveText(/^1 change: 1 group to change/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await page.screenshot({ path: `${SHOTS}/plan-narrow.png`, fullPage: true });
  await page.getByRole("button", { name: "Apply 1 change" }).click();
  await expect(page).toHaveURL(/\/plans\/[0-9a-f]+$/);
  await expect(page.locator(".verdict-line")).toHaveText("The change was made.");
  await expect(page.locator(".plan-report .badge")).toHaveText("Done");
  await context.close();
  await resetSandbox(request);
});
