import type { Page } from "@playwright/test";
import { adminApi, expect, hydrated, resetSandbox, sandboxGroups, SHOTS, signIn, test } from "./support";

test.beforeEach(async ({ request }) => {
  await resetSandbox(request);
});

async function openGroup(page: Page, name: string) {
  await page.goto("/groups");
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
}

test("admin creates a group: eligible sources only, a review, then the detail page", async ({ page }) => {
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await hydrated(page);
  await page.getByRole("link", { name: "New sync group" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New sync group" })).toBeVisible();
  await hydrated(page);

  // Ineligible sources are shown greyed with the reason, and cannot be chosen.
  await expect(page.getByLabel(/Workday/)).toBeDisabled();
  await expect(page.getByText(/no password management/i).first()).toBeVisible();
  await expect(page.getByLabel(/Corporate AD/)).toBeDisabled();
  await expect(page.getByText(/already in group Corporate Sign-in/i).first()).toBeVisible();
  await expect(page.getByLabel(/Contractor HR Feed/)).toBeDisabled();

  // Nothing filled in: errors next to their fields, nothing sent.
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page.locator("#name-error")).toContainText(/name/i);
  await expect(page.locator("#policy-error")).not.toBeEmpty();
  await expect(page.locator("#sources-error")).not.toBeEmpty();
  await expect(page.getByRole("dialog")).toBeHidden();

  await page.getByLabel("Name").fill("Identity Platform");
  await page.getByRole("radio", { name: /Corporate Standard/ }).check();
  await page.getByLabel("Filter sources").fill("okta");
  await page.getByLabel(/Okta/).check();
  await page.getByLabel("Filter sources").fill("");
  await page.getByLabel(/SAP S\/4HANA/).check();
  await page.screenshot({ path: `${SHOTS}/group-form.png`, fullPage: true });

  await page.getByRole("button", { name: "Review changes" }).click();
  const dialog = page.getByRole("dialog", { name: "Review your changes" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Identity Platform");
  await expect(dialog).toContainText("Okta");
  await expect(dialog).toContainText("SAP S/4HANA");
  await expect(dialog).toContainText("Password Manager");
  await page.screenshot({ path: `${SHOTS}/group-review.png` });

  // A double click sends one create.
  await dialog.getByRole("button", { name: "Save" }).dblclick();
  await expect(page.getByText("Created the sync group")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "Identity Platform" })).toBeVisible();
  const groups = await sandboxGroups(page.request);
  expect(groups.filter((g) => g.name === "Identity Platform")).toHaveLength(1);
});

test("admin edits a group and sees the policy's rule changes before saving", async ({ page }) => {
  await signIn(page, "admin");
  await openGroup(page, "Business Apps");
  await hydrated(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit Business Apps" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("radio", { name: /Privileged Engineering/ }).check();
  await page.getByLabel(/Okta/).check();
  await page.getByLabel(/Salesforce/).uncheck();
  await page.getByRole("button", { name: "Review changes" }).click();
  const dialog = page.getByRole("dialog", { name: "Review your changes" });
  await expect(dialog).toContainText("Business Applications");
  await expect(dialog).toContainText("Privileged Engineering");
  await expect(dialog).toContainText("→");
  await expect(dialog.locator(".added")).toContainText("Okta");
  await expect(dialog.locator(".removed")).toContainText("Salesforce");
  await expect(dialog).toContainText(/Okta.*share/);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved your changes")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Password policy: Privileged Engineering" })).toBeVisible();
});

test("a change made in ISC meanwhile is not overwritten", async ({ page, request }) => {
  await signIn(page, "admin");
  await openGroup(page, "Engineering Systems");
  await page.getByRole("link", { name: "Edit" }).click();
  await hydrated(page);
  await page.getByLabel("Name").fill("Engineering (mine)");

  // Someone else renames the group in ISC while the form is open.
  const api = await adminApi(request);
  const groups = await api.get("password-sync-groups");
  const target = groups.find((g: { name: string }) => g.name === "Engineering Systems");
  await api.put(`password-sync-groups/${target.id}`, { ...target, name: "Engineering (theirs)" });

  await page.getByRole("button", { name: "Review changes" }).click();
  const dialog = page.getByRole("dialog", { name: "Review your changes" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByRole("alert")).toContainText("changed in ISC since you opened it");
  await expect(dialog.getByRole("alert")).toContainText("Engineering (theirs)");
  const after = await api.get(`password-sync-groups/${target.id}`);
  expect(after.name).toBe("Engineering (theirs)");
});

test("leaving a form with unsaved changes asks first", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/groups/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Half done");
  let asked = "";
  page.once("dialog", async (d) => {
    asked = d.message();
    await d.dismiss();
  });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sync groups" }).click();
  await expect.poll(() => asked).toContain("unsaved changes");
  await expect(page).toHaveURL(/\/groups\/new/);
  await expect(page.getByLabel("Name")).toHaveValue("Half done");
});

test("the delete dialog names what happens and needs the typed name", async ({ page }) => {
  await signIn(page, "admin");
  await openGroup(page, "Corporate Sign-in");
  await hydrated(page);
  await page.getByRole("link", { name: "Delete…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this sync group?" });
  await expect(dialog).toBeVisible();
  for (const text of ["Corporate AD", "Entra ID", "Google Workspace", "Corporate Standard", "applications", "undo"]) {
    await expect(dialog).toContainText(text);
  }
  const described = await dialog.getAttribute("aria-describedby");
  await expect(page.locator(`#${described}`)).toContainText("Corporate AD");
  const remove = dialog.getByRole("button", { name: "Delete group" });
  await expect(remove).toBeDisabled();
  await expect(remove).not.toBeFocused();
  await dialog.getByLabel(/type the group's name/).fill("Corporate");
  await expect(remove).toBeDisabled();
  await page.screenshot({ path: `${SHOTS}/delete-dialog.png` });

  // Escape closes it with nothing done.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect((await sandboxGroups(page.request)).map((g) => g.name)).toContain("Corporate Sign-in");

  await page.getByRole("link", { name: "Delete…" }).click();
  await dialog.getByLabel(/type the group's name/).fill("Corporate Sign-in");
  await expect(remove).toBeEnabled();
  await remove.click();
  await expect(page).toHaveURL(/\/groups\?deleted=/);
  await expect(page.getByRole("status").filter({ hasText: "Deleted the sync group" })).toContainText("Corporate AD");
  expect((await sandboxGroups(page.request)).map((g) => g.name)).not.toContain("Corporate Sign-in");
});

test("the delete dialog can be completed with the keyboard alone", async ({ page }) => {
  await signIn(page, "admin");
  await openGroup(page, "Business Apps");
  await hydrated(page);
  const opener = page.getByRole("link", { name: "Delete…" });
  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Delete this sync group?" });
  const input = dialog.getByLabel(/type the group's name/);
  await expect(input).toBeFocused();
  // Cancel with Escape: focus goes back to what opened the dialog.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(input).toBeFocused();
  await page.keyboard.type("Business Apps");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/groups\?deleted=Business/);
});

test("without JavaScript: create through the review page", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await page.getByRole("link", { name: "New sync group" }).click();
  await page.getByLabel("Name").fill("No Script Group");
  await page.getByRole("radio", { name: /Corporate Standard/ }).check();
  await page.getByLabel(/Okta/).check();
  await page.getByLabel(/SAP S\/4HANA/).check();
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page).toHaveURL(/\/groups\/new\/review\?/);
  await expect(page.getByRole("heading", { name: "Review your changes" })).toBeVisible();
  await expect(page.locator("main")).toContainText("SAP S/4HANA");
  await page.screenshot({ path: `${SHOTS}/group-review-nojs.png`, fullPage: true });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Created the sync group")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "No Script Group" })).toBeVisible();
  await context.close();
});

test("without JavaScript: a change made in ISC meanwhile is not overwritten either", async ({ browser, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, "admin");
  await openGroup(page, "Engineering Systems");
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Name").fill("Engineering (mine)");
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page).toHaveURL(/\/edit\/review\?/);

  // Someone else renames the group in ISC while the review page is open.
  const api = await adminApi(request);
  const groups = await api.get("password-sync-groups");
  const target = groups.find((g: { name: string }) => g.name === "Engineering Systems");
  await api.put(`password-sync-groups/${target.id}`, { ...target, name: "Engineering (theirs)" });

  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("changed in ISC since you opened it");
  const after = await api.get(`password-sync-groups/${target.id}`);
  expect(after.name).toBe("Engineering (theirs)");
  await context.close();
});

test("without JavaScript: delete through the confirmation page", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await openGroup(page, "Engineering Systems");
  await page.getByRole("link", { name: "Delete…" }).click();
  await expect(page).toHaveURL(/\/delete$/);
  await expect(page.locator("main")).toContainText("GitHub Enterprise");
  await expect(page.locator("main")).toContainText("Privileged Engineering");
  await page.getByLabel(/type the group's name/).fill("Engineering Systems");
  await page.getByRole("button", { name: "Delete group" }).click();
  await expect(page).toHaveURL(/\/groups\?deleted=/);
  await expect(page.getByText("Deleted the sync group")).toBeVisible();
  await context.close();
});

test("helpdesk cannot open the management pages", async ({ page }) => {
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await page.goto("/groups/new");
  await expect(page.getByRole("alert")).toContainText(/access/i);
  await expect(page.getByRole("button", { name: "Review changes" })).toHaveCount(0);
});
