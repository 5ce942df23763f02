import { APIRequestContext, Page } from "@playwright/test";
import { expect, hydrated, resetSandbox, sandboxGroups, SHOTS, signIn, test } from "./support";

/** Someone of the sandbox's population with accounts on two sources of one sync group, and a
 * password change a minute ago that reached the first source and failed on the second (added
 * through the sandbox's control endpoint). */
async function callerWithFailedChange(request: APIRequestContext) {
  await resetSandbox(request);
  const groups: { id: string; name: string; sourceIds: string[] }[] = await sandboxGroups(request) as never;
  const people = await (await request.get("/sandbox/__sandbox/people")).json();
  for (const person of people) {
    const mine: string[] = person.accounts.map((a: { sourceId: string }) => a.sourceId);
    for (const group of groups) {
      const on = group.sourceIds.filter((s) => mine.includes(s));
      if (on.length < 2) continue;
      const names = on.map((s) => person.accounts.find((a: { sourceId: string }) => a.sourceId === s).sourceName);
      const message =
        "sailpoint.connector.ConnectorException: [ConnectorError] The password does not meet the password policy requirements.";
      const add = async (sourceId: string, action: string, extra: object = {}) => {
        const r = await request.post(`/sandbox/__sandbox/people/${person.id}/events`, {
          data: { sourceId, action, minutesAgo: 1, ...extra },
        });
        expect(r.ok()).toBeTruthy();
      };
      await add(on[0], "USER_PASSWORD_UPDATE_PASSED");
      await add(on[1], "USER_PASSWORD_UPDATE_FAILED", { message });
      return { person, group, failedOn: names[1] as string, message };
    }
  }
  throw new Error("no one in the population has two accounts in one group");
}

async function findAndOpen(page: Page, displayName: string) {
  await page.getByRole("link", { name: "Find a person" }).first().click();
  await expect(page).toHaveURL(/\/people$/);
  await page.getByLabel("Person").fill(displayName);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/people\?q=/);
  await expect(page.locator(".result-count")).toBeVisible();
  await page.getByRole("link", { name: new RegExp(displayName) }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: displayName })).toBeVisible();
}

test("helpdesk finds the caller and sees the failed change and the older password", async ({ page, request }) => {
  const { person, group, failedOn, message } = await callerWithFailedChange(request);
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await hydrated(page);

  // The search: by a part of the name, results with their email and accounts in groups.
  await page.getByRole("link", { name: "Find a person" }).first().click();
  await page.getByLabel("Person").fill(person.displayName.split(" ")[0]);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.locator(".person-item").first()).toBeVisible();
  await expect(page.locator(".person-item", { hasText: person.email })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/people-search.png`, fullPage: true });

  await page.locator(".person-item", { hasText: person.email }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: person.displayName })).toBeVisible();
  await hydrated(page);
  const card = page.locator(".sync-card", { hasText: group.name });
  await expect(card.getByText("Needs attention")).toBeVisible();
  await expect(card.locator(".findings")).toContainText(`The last change failed on ${failedOn}: ${message}`);
  await expect(card.locator(".findings")).toContainText(/Out of sync: .* (was|were) last set .*before the others/);
  await expect(card.locator(".isc-message").first()).toContainText(message);
  await expect(card.getByRole("heading", { name: "What to tell the caller" })).toBeVisible();
  await expect(card.getByText(/A valid password \(policy /)).toBeVisible();
  await expect(page.locator(".verdict-line")).toContainText("needs attention");
  await page.screenshot({ path: `${SHOTS}/person-sync.png`, fullPage: true });

  // The timeline, filtered to the source where the change failed.
  const timeline = page.locator("#timeline");
  await expect(timeline.locator(".event.failed").first()).toContainText(message);
  const all = await timeline.locator(".event").count();
  await timeline.getByLabel("Source").selectOption({ label: failedOn });
  await expect(page).toHaveURL(/source=/);
  await expect(timeline.locator(".event").first()).toContainText(failedOn);
  const filtered = await timeline.locator(".event").count();
  expect(filtered).toBeLessThanOrEqual(all);
  for (const text of await timeline.locator(".event strong").allTextContents()) {
    expect(text).toBe(failedOn);
  }

  // Nothing on the page changes anything.
  await expect(page.getByRole("button", { name: /edit|delete|reset|unlock|save/i })).toHaveCount(0);
});

test("without JavaScript: search, open a person, filter their timeline", async ({ browser, request }) => {
  const { person, group, failedOn } = await callerWithFailedChange(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await findAndOpen(page, person.displayName);
  await expect(page.locator(".sync-card", { hasText: group.name }).getByText("Needs attention")).toBeVisible();
  await page.locator("#timeline").getByLabel("Source").selectOption({ label: failedOn });
  await page.locator("#timeline").getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/source=/);
  for (const text of await page.locator("#timeline .event strong").allTextContents()) {
    expect(text).toBe(failedOn);
  }
  // Too short a search is explained, not sent.
  await page.goto("/people?q=ab");
  await expect(page.locator("#person-search-hint")).toContainText("at least 3");
  await context.close();
});

test("a group's page leads to the person search, and the search pages through many people", async ({ page }) => {
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await page.locator("table.groups tbody th a").first().click();
  await page.getByRole("link", { name: "Look up a person in this group" }).click();
  await expect(page).toHaveURL(/\/people\?group=/);
  await page.getByLabel("Person").fill("example.com");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.locator(".result-count")).toContainText(/People 1–20 of \d+/);
  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page.locator(".result-count")).toContainText(/People 21–40 of \d+/);
  await expect(page.getByRole("link", { name: "Back to the sync group" })).toBeVisible();

  // A search that finds no one says so.
  await page.goto("/people?q=zzzz-nobody");
  await expect(page.getByText("No one matches “zzzz-nobody”.")).toBeVisible();
});

test("a person's page at 390 px stays readable", async ({ browser, request }) => {
  const { person } = await callerWithFailedChange(request);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, "helpdesk");
  await expect(page).toHaveURL(/\/groups$/);
  await page.goto(`/people/${person.id}`);
  await expect(page.getByRole("heading", { level: 1, name: person.displayName })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await page.screenshot({ path: `${SHOTS}/person-sync-narrow.png`, fullPage: true });
  await context.close();
});

test("administrators see who looked up whom", async ({ browser, page, request }) => {
  const { person } = await callerWithFailedChange(request);
  const helpdesk = await browser.newContext();
  const hp = await helpdesk.newPage();
  await signIn(hp, "helpdesk");
  await expect(hp).toHaveURL(/\/groups$/);
  await hp.goto(`/people/${person.id}`);
  await expect(hp.getByRole("heading", { level: 1, name: person.displayName })).toBeVisible();
  await helpdesk.close();

  await signIn(page, "admin", "/people");
  await page.getByRole("link", { name: "Who looked up whom" }).click();
  await expect(page).toHaveURL(/\/lookups$/);
  const row = page.locator("table.lookups tbody tr").first();
  await expect(row).toContainText("helpdesk");
  await expect(row).toContainText(`opened the password sync of ${person.displayName}`);
  await page.screenshot({ path: `${SHOTS}/lookups.png`, fullPage: true });
});
