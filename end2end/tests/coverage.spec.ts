import { expect, hydrated, SHOTS, signIn, test } from "./support";

test("coverage: every password source with its group, the unhealthy one flagged, drawn and tabled", async ({ page }) => {
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await hydrated(page);
  await page.getByRole("link", { name: "Coverage" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Coverage" })).toBeVisible();
  await expect(page.locator(".verdict-line")).toContainText(/\d+ of \d+ password sources are in a sync group\./);

  // The questions, answered.
  const questions = page.locator(".questions");
  await expect(questions.getByText("Password sources in no sync group")).toBeVisible();
  await expect(questions.locator("dd").nth(0)).toContainText("each keeps a password of its own");
  await expect(questions.getByText("Groups holding an unhealthy source")).toBeVisible();

  // The diagram is an image with a text alternative, and the table holds the same sources.
  const diagram = page.getByRole("img", { name: /Sync groups on the left/ });
  await expect(diagram).toBeVisible();
  const rows = page.locator("table.coverage tbody tr");
  const drawn = page.locator(".diagram .dg-source");
  await expect(drawn).toHaveCount(await rows.count());
  await expect(page.locator(".diagram .dg-bad")).not.toHaveCount(0);
  // Drawn in the browser too (client-side navigation renders the SVG there): every group's box.
  await expect(page.locator(".diagram .dg-group rect").first()).toBeVisible();
  await expect(rows.filter({ hasText: "In no group" })).not.toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/coverage.png`, fullPage: true });
});

test("coverage without JavaScript and at 390 px", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await page.goto("/coverage");
  await expect(page.getByRole("img", { name: /Sync groups on the left/ })).toBeVisible();
  await expect(page.locator("table.coverage tbody tr")).not.toHaveCount(0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await page.screenshot({ path: `${SHOTS}/coverage-narrow.png`, fullPage: true });
  await context.close();
});
