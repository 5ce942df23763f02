import { expect, hydrated, sandboxGroups, SHOTS, signIn, test } from "./support";

test("the groups page is rendered on the server with every seeded group", async ({ page, request }) => {
  const groups = await sandboxGroups(request);
  expect(groups.length).toBeGreaterThanOrEqual(3);
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  // The server-rendered HTML (fetched with the browser's session cookie) already lists them.
  const html = await (await page.request.get("/groups")).text();
  for (const g of groups) {
    expect(html).toContain(g.name);
  }
  expect(html).toContain("Sandbox tenant");
});

test("the console hydrates and lists the seeded groups", async ({ page, request }) => {
  const groups = await sandboxGroups(request);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await signIn(page, "admin", "/");
  await expect(page).toHaveURL(/\/groups$/);
  await expect(page.getByRole("heading", { level: 1, name: "Password sync groups" })).toBeVisible();
  await expect(page.getByText("Sandbox tenant")).toBeVisible();
  const rows = page.locator("table.groups tbody tr");
  await expect(rows).toHaveCount(groups.length);
  for (const g of groups) {
    await expect(page.getByRole("rowheader", { name: g.name })).toBeVisible();
  }
  await hydrated(page);
  await page.screenshot({ path: `${SHOTS}/groups-list.png`, fullPage: true });

  // Interactive after load: typing filters as you go, without a page load, and the URL follows.
  const target = groups[0].name;
  // A marker on the window survives client-side updates but not a page load.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByLabel("Search").fill(target);
  await expect(rows).toHaveCount(1);
  await expect(page.getByRole("rowheader", { name: target })).toBeVisible();
  await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe(target);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(errors).toEqual([]);
});

test("search works without JavaScript", async ({ browser, request }) => {
  const groups = await sandboxGroups(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  await page.getByLabel("Search").fill(groups[1].name);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.locator("table.groups tbody tr")).toHaveCount(1);
  await expect(page.getByRole("rowheader", { name: groups[1].name })).toBeVisible();
  await context.close();
});

test("an unknown page is a real 404", async ({ page }) => {
  await signIn(page, "admin");
  await expect(page).toHaveURL(/\/groups$/);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("the bundle is served compressed and cached for good, pages never", async ({ page }) => {
  const bundle: { url: string; encoding: string; cache: string }[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) {
      const headers = await response.allHeaders();
      bundle.push({
        url: response.url(),
        encoding: headers["content-encoding"] ?? "",
        cache: headers["cache-control"] ?? "",
      });
    }
  });
  await signIn(page, "admin");
  await hydrated(page);
  // The stylesheet, the JS and the wasm, with content hashes in their names.
  const kinds = bundle.map((b) => b.url.split(".").pop());
  for (const kind of ["css", "js", "wasm"]) {
    expect(kinds, `the ${kind} of the bundle was loaded`).toContain(kind);
  }
  for (const b of bundle) {
    // The bundle's own files, and the loader of the lazy pages' wasm pieces.
    expect(b.url, "a content hash in the name").toMatch(
      /\/(sync-groups-console|__wasm_split)\.[A-Za-z0-9_-]{10,}\.(css|js|wasm)$/,
    );
    expect(b.encoding, `${b.url} compressed`).toMatch(/^(br|gzip)$/);
    expect(b.cache, `${b.url} cached`).toBe("public, max-age=31536000, immutable");
  }
  const groups = await page.request.get("/groups");
  expect(groups.headers()["cache-control"]).toBe("no-store");
});

test("the list loads no other page's code; a form loads its own piece, then hydrates", async ({ page }) => {
  const pieces: string[] = [];
  page.on("request", (r) => {
    const name = new URL(r.url()).pathname.split("/").pop() ?? "";
    if (/^(split_|chunk_).*\.wasm$/.test(name)) pieces.push(name);
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await signIn(page, "admin");
  await hydrated(page);
  expect(pieces, "the list hydrates from the main bundle alone").toEqual([]);

  // The create form, opened directly: its piece is loaded before the form hydrates.
  await page.goto("/groups/new");
  await hydrated(page);
  expect(pieces.some((p) => p.startsWith("split___group_form_view")), "the form's piece was loaded").toBe(true);

  // A page reached by a link inside the console loads its piece then, without a page load.
  pieces.length = 0;
  await page.goto("/groups");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.locator("table.groups tbody tr a").first().click();
  await expect(page).toHaveURL(/\/groups\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(pieces.some((p) => p.startsWith("split___group_detail_view")), "the detail page's piece was loaded").toBe(true);
  expect(errors).toEqual([]);
});
