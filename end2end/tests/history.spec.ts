import { expect, hydrated, resetSandbox, SHOTS, signIn, test } from "./support";

test("a group's history shows a change in the review's words, and recent changes keep a deleted group's", async ({
  page,
  request,
}) => {
  await resetSandbox(request);
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await hydrated(page);

  // Rename a group through the console.
  await page.getByRole("link", { name: "Engineering Systems" }).click();
  await hydrated(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit Engineering Systems" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Name").fill("Engineering (renamed)");
  await page.getByRole("button", { name: "Review changes" }).click();
  const dialog = page.getByRole("dialog", { name: "Review your changes" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved your changes")).toBeVisible();

  await page.getByRole("link", { name: "History of this group" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "History of the sync group" })).toBeVisible();
  const entry = page.locator(".history > li").first();
  await expect(entry).toContainText("Changed by Alex Admin");
  await expect(entry).toContainText("Name: Engineering Systems → Engineering (renamed)");
  await page.screenshot({ path: `${SHOTS}/group-history.png`, fullPage: true });

  // Filter by someone else: nothing.
  await page.getByLabel("Who").fill("nobody-here");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByText("No change made through the console matches, and none noticed outside it.")).toBeVisible();

  // The tenant's recent changes, as helpdesk reads them.
  await page.goto("/changes");
  await expect(page.locator(".history > li").first()).toContainText("Engineering (renamed)");
});
