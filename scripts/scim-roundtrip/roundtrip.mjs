// A round trip of Userdesk's SCIM endpoint driven by SCIMMY, an independent SCIM 2.0
// implementation (npm "scimmy"), acting as the client: it starts the real binary, provisions
// users as an identity provider would, and checks every answer against SCIMMY's own schema
// definitions (User with the enterprise extension, Group, ListResponse, ServiceProviderConfig,
// ResourceType) and every filter and PATCH result against what SCIMMY computes itself from
// the same input.
//
//   node roundtrip.mjs path/to/userdesk        (or USERDESK_BIN=…)
//
// Exit status 0 when every check held; 1 with the first failures otherwise.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import SCIMMY from "scimmy";

const bin = process.argv[2] || process.env.USERDESK_BIN;
if (!bin) {
  console.error("usage: node roundtrip.mjs path/to/userdesk");
  process.exit(2);
}
const ENT = SCIMMY.Schemas.EnterpriseUser.id;
SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false));
SCIMMY.Resources.declare(SCIMMY.Resources.Group);

let checks = 0;
const failures = [];
function check(ok, what, detail) {
  checks++;
  if (!ok) failures.push(`${what}${detail === undefined ? "" : ": " + (typeof detail === "string" ? detail : JSON.stringify(detail))}`);
  return ok;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on("error", reject);
  });
}

const data = mkdtempSync(join(tmpdir(), "ud-scim-roundtrip-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const password = "scim-roundtrip-password";
const child = spawn(bin, ["--addr", `127.0.0.1:${port}`, "--data", data, "--no-browser"], {
  env: { ...process.env, USERDESK_ADMIN_PASSWORD: password }, stdio: ["ignore", "pipe", "pipe"],
});
let childOut = "";
child.stdout.on("data", (b) => { childOut += b; });
child.stderr.on("data", (b) => { childOut += b; });

async function stop(code) {
  if (child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => { child.once("exit", r); setTimeout(r, 15000); });
  }
  rmSync(data, { recursive: true, force: true });
  process.exit(code);
}

async function waitHealthy() {
  for (let i = 0; i < 400; i++) {
    try { if ((await fetch(base + "/api/v1/health")).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the server never became healthy:\n" + childOut);
}

// The console's side, for the setup only: sign in, make units and the IdP's token.
let cookie = "", csrf = "";
async function consoleCall(method, path, body) {
  const r = await fetch(base + "/api/v1" + path, {
    method, headers: { "Content-Type": "application/json", Cookie: cookie, ...(csrf && { "X-CSRF-Token": csrf }) },
    body: body && JSON.stringify(body),
  });
  const setCookie = r.headers.get("set-cookie");
  if (setCookie) cookie = setCookie.split(";")[0];
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The identity provider's side: a bearer token and SCIM documents.
let token = "";
async function scim(method, path, body, headers = {}) {
  const r = await fetch(base + "/scim/v2" + path, {
    method, headers: { Authorization: "Bearer " + token, Accept: "application/scim+json",
      ...(body && { "Content-Type": "application/scim+json" }), ...headers },
    body: body && JSON.stringify(body),
  });
  const text = await r.text();
  const doc = text ? JSON.parse(text) : null;
  if (text) check((r.headers.get("content-type") || "").startsWith("application/scim+json"), `${method} ${path}: content type`, r.headers.get("content-type"));
  if (r.status >= 400) validError(doc, r.status, `${method} ${path}`);
  return { status: r.status, doc, etag: r.headers.get("etag"), location: r.headers.get("location") };
}

// Validators built on SCIMMY's definitions: each throws on a body that breaks its schema.
function valid(kind, doc, what) {
  try {
    switch (kind) {
      case "User": new SCIMMY.Schemas.User(doc, "out"); break;
      case "Group": new SCIMMY.Schemas.Group(doc, "out"); break;
      case "ServiceProviderConfig": new SCIMMY.Schemas.ServiceProviderConfig(doc, "out"); break;
      case "ResourceType": new SCIMMY.Schemas.ResourceType(doc, "out"); break;
      default: throw new Error("unknown kind " + kind);
    }
    check(Array.isArray(doc.schemas), `${what}: schemas`, doc);
    if (kind === "User" || kind === "Group") {
      check(typeof doc.id === "string" && doc.id !== "", `${what}: id`, doc);
      check(doc.meta?.resourceType === kind, `${what}: meta.resourceType`, doc.meta);
      check(typeof doc.meta?.location === "string" && doc.meta.location.endsWith(`/${kind}s/${doc.id}`), `${what}: meta.location`, doc.meta);
    }
    return check(true, what);
  } catch (e) {
    return check(false, `${what}: SCIMMY rejects the ${kind}`, `${e.message} in ${JSON.stringify(doc)}`);
  }
}

function validList(doc, kind, what) {
  try {
    const lr = new SCIMMY.Messages.ListResponse(doc);
    check(lr.totalResults === doc.totalResults, `${what}: totalResults`, doc.totalResults);
  } catch (e) {
    check(false, `${what}: SCIMMY rejects the ListResponse`, e.message);
  }
  check(Array.isArray(doc.Resources), `${what}: Resources is a list`, doc);
  for (const r of doc.Resources || []) valid(kind, r, `${what}: resource`);
}

function validError(doc, status, what) {
  check(isDeepStrictEqual(doc?.schemas, [SCIMMY.Messages.Error.id]), `${what}: error schemas`, doc);
  check(doc?.status === String(status), `${what}: status as a string`, doc);
  if (doc?.scimType !== undefined) {
    try {
      // SCIMMY's own error type accepts only the scimType values RFC 7644 §3.12 allows for a status.
      new SCIMMY.Messages.Error(new SCIMMY.Types.Error(status, doc.scimType, doc.detail));
      check(true, what);
    } catch (e) {
      check(false, `${what}: SCIMMY rejects scimType ${doc.scimType} with ${status}`, e.message);
    }
  }
}

// The attributes Userdesk keeps, read the same way from SCIMMY's result and the server's.
function kept(u) {
  return {
    userName: u.userName?.toLowerCase(), givenName: u.name?.givenName, familyName: u.name?.familyName,
    displayName: u.displayName, title: u.title ?? "", active: u.active,
    email: (u.emails || []).find((e) => e.type === "work")?.value?.toLowerCase(),
    department: u[ENT]?.department ?? "", employeeNumber: u[ENT]?.employeeNumber ?? "",
  };
}

try {
  await waitHealthy();
  const session = await consoleCall("POST", "/session", { username: "admin@userdesk.local", password });
  csrf = session.csrfToken;
  const org = await consoleCall("POST", "/units", { name: "Roundtrip Trust" });
  const ward = await consoleCall("POST", "/units", { name: "Ward 7", parentId: org.id });
  const perms = await consoleCall("GET", "/permissions");
  const tok = await consoleCall("POST", "/me/tokens", { name: "scimmy", unitId: org.id,
    permissions: (perms.items || perms).map((p) => p.id) });
  token = tok.secret;

  // Discovery, against SCIMMY's own definitions of the same documents.
  let r = await scim("GET", "/ServiceProviderConfig");
  valid("ServiceProviderConfig", r.doc, "ServiceProviderConfig");
  r = await scim("GET", "/ResourceTypes");
  validList({ ...r.doc, Resources: [] , totalResults: r.doc.totalResults }, "ResourceType", "ResourceTypes");
  for (const rt of r.doc.Resources) valid("ResourceType", rt, `ResourceType ${rt.id}`);
  r = await scim("GET", "/Schemas");
  const mine = Object.fromEntries(r.doc.Resources.map((s) => [s.id, s]));
  for (const [id, def] of [[SCIMMY.Schemas.User.id, SCIMMY.Schemas.User.definition], [ENT, SCIMMY.Schemas.EnterpriseUser.definition],
    [SCIMMY.Schemas.Group.id, SCIMMY.Schemas.Group.definition]]) {
    // describe() holds Attribute instances whose JSON is the RFC 7643 §7 form.
    const theirs = Object.fromEntries(JSON.parse(JSON.stringify(def.describe())).attributes.map((a) => [a.name.toLowerCase(), a]));
    check(mine[id], `Schemas has ${id}`);
    // id, externalId and meta are common attributes (RFC 7643 §3.1), outside SCIMMY's definitions.
    for (const a of (mine[id]?.attributes || []).filter((a) => !["id", "externalid", "meta"].includes(a.name.toLowerCase()))) {
      const t = theirs[a.name.toLowerCase()];
      if (check(t, `${id}: attribute ${a.name} is in SCIMMY's definition`)) {
        check(t.type === a.type && t.multiValued === a.multiValued, `${id}: ${a.name} has SCIMMY's type and multiValued`, { mine: [a.type, a.multiValued], theirs: [t.type, t.multiValued] });
      }
    }
  }

  // Create users shaped by SCIMMY's inbound coercion.
  const people = [
    { userName: "ada.lovelace@roundtrip.example", name: { givenName: "Ada", familyName: "Lovelace" }, title: "Analyst",
      emails: [{ value: "ada.lovelace@roundtrip.example", type: "work", primary: true }], active: true,
      [ENT]: { employeeNumber: "RT-1", department: "Engines" } },
    { userName: "charles.babbage@roundtrip.example", name: { givenName: "Charles", familyName: "Babbage" }, active: true,
      [ENT]: { employeeNumber: "RT-2", department: "Engines" } },
    { userName: "mary.somerville@roundtrip.example", name: { givenName: "Mary", familyName: "Somerville" }, title: "Astronomer", active: false },
    { userName: "grace.hopper@roundtrip.example", name: { givenName: "Grace", familyName: "Hopper" }, title: "Admiral", active: true,
      [ENT]: { department: "Compilers" } },
  ];
  const ids = [];
  for (const p of people) {
    const body = JSON.parse(JSON.stringify(new SCIMMY.Schemas.User(p, "in")));
    r = await scim("POST", "/Users", body);
    if (!check(r.status === 201, `create ${p.userName}`, r.doc)) continue;
    valid("User", r.doc, `create ${p.userName}`);
    check(r.location === r.doc.meta.location && r.etag === r.doc.meta.version, `create ${p.userName}: Location and ETag`, [r.location, r.etag]);
    const want = kept({ ...p, displayName: `${p.name.givenName} ${p.name.familyName}`, emails: [{ type: "work", value: p.userName }] });
    check(isDeepStrictEqual(kept(r.doc), want), `create ${p.userName}: what was sent comes back`, { got: kept(r.doc), want });
    ids.push(r.doc.id);
    const again = await scim("GET", "/Users/" + r.doc.id);
    valid("User", again.doc, `get ${p.userName}`);
    check(isDeepStrictEqual(kept(again.doc), kept(r.doc)), `get ${p.userName} is what create answered`);
  }

  // Every user, page by page (count 2), then each filter answered by the server and by SCIMMY.
  const all = [];
  for (let start = 1; ; start += 2) {
    r = await scim("GET", `/Users?startIndex=${start}&count=2`);
    validList(r.doc, "User", `page at ${start}`);
    all.push(...r.doc.Resources);
    if (r.doc.Resources.length < 2 || start + 2 > r.doc.totalResults) break;
  }
  check(all.length === people.length && new Set(all.map((u) => u.id)).size === all.length, "paging returns each user once", all.map((u) => u.userName));
  for (const f of [
    'userName eq "ada.lovelace@roundtrip.example"', 'userName sw "c"', 'name.familyName co "ov"', "title pr",
    'title pr and active eq true', 'title eq "Astronomer" or userName ew "hopper@roundtrip.example"', "active eq false",
    'emails[type eq "work" and value co "lovelace"]', 'not (title pr)',
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
  ]) {
    r = await scim("GET", "/Users?filter=" + encodeURIComponent(f));
    validList(r.doc, "User", `filter ${f}`);
    const got = r.doc.Resources.map((u) => u.id).sort();
    const want = new SCIMMY.Types.Filter(f).match(all).map((u) => u.id).sort();
    check(isDeepStrictEqual(got, want), `filter ${f}: the server and SCIMMY agree`, { got, want });
  }
  // SCIMMY's Filter does not resolve attributes named with their schema URN; the enterprise
  // extension's filter is checked against the users made above instead.
  r = await scim("GET", "/Users?filter=" + encodeURIComponent(`${ENT}:department eq "Engines"`));
  check(isDeepStrictEqual(r.doc.Resources.map((u) => u.userName).sort(), ["ada.lovelace@roundtrip.example", "charles.babbage@roundtrip.example"]),
    "filter on the enterprise department", r.doc.Resources.map((u) => u.userName));
  const search = new SCIMMY.Messages.SearchRequest({ schemas: [SCIMMY.Messages.SearchRequest.id], filter: 'userName sw "grace"', count: 5 });
  r = await scim("POST", "/Users/.search", JSON.parse(JSON.stringify(search)));
  validList(r.doc, "User", ".search");
  check(r.doc.totalResults === 1, ".search finds one", r.doc);

  // PATCH: SCIMMY applies the operations to its own copy; the server's answer must agree.
  const target = ids[0];
  for (const ops of [
    [{ op: "replace", path: "name.givenName", value: "Augusta Ada" }, { op: "add", path: "title", value: "Countess" }],
    [{ op: "replace", path: 'emails[type eq "work"].value', value: "ada@roundtrip.example" }],
    [{ op: "replace", path: `${ENT}:department`, value: "Notes" }, { op: "remove", path: "title" }],
    [{ op: "replace", value: { active: false, displayName: "Ada L." } }],
    [{ op: "add", value: { title: "Mathematician" } }, { op: "replace", path: "active", value: true }],
  ]) {
    const before = await scim("GET", "/Users/" + target);
    const body = { schemas: [SCIMMY.Messages.PatchOp.id], Operations: ops };
    const expected = await new SCIMMY.Messages.PatchOp(body).apply(new SCIMMY.Schemas.User(before.doc, "both"));
    r = await scim("PATCH", "/Users/" + target, body, { "If-Match": before.etag });
    if (!check(r.status === 200, `PATCH ${JSON.stringify(ops)}`, r.doc)) continue;
    valid("User", r.doc, `PATCH ${JSON.stringify(ops)}`);
    const want = kept(JSON.parse(JSON.stringify(expected)));
    // Userdesk's one rule SCIMMY does not know: a display name that was derived from the names
    // (never set) follows them (SPEC §2).
    if (want.displayName === `${before.doc.name.givenName} ${before.doc.name.familyName}`) want.displayName = `${want.givenName} ${want.familyName}`;
    check(isDeepStrictEqual(kept(r.doc), want), `PATCH ${JSON.stringify(ops)}: the server and SCIMMY agree`, { got: kept(r.doc), want });
    check(r.etag !== before.etag, `PATCH ${JSON.stringify(ops)}: a new version`);
    // The same operations on the old version are refused: the version moved on.
    const stale = await scim("PATCH", "/Users/" + target, body, { "If-Match": before.etag });
    check(stale.status === 412, `PATCH on a stale version is 412`, stale);
  }

  // PUT the user back as SCIMMY's inbound form of what the server holds, changed.
  const cur = await scim("GET", "/Users/" + ids[1]);
  const put = JSON.parse(JSON.stringify(new SCIMMY.Schemas.User({ ...cur.doc, title: "Engineer", name: { givenName: "Charles", familyName: "Babbage" } }, "in")));
  r = await scim("PUT", "/Users/" + ids[1], put, { "If-Match": cur.etag });
  if (check(r.status === 200, "PUT", r.doc)) {
    valid("User", r.doc, "PUT");
    check(r.doc.title === "Engineer" && r.doc[ENT]?.employeeNumber === "RT-2", "PUT keeps what was sent", r.doc);
  }

  // Groups: the organisation and its ward; adding a member moves the user into the ward.
  r = await scim("GET", "/Groups");
  validList(r.doc, "Group", "Groups");
  check(r.doc.totalResults === 2, "the token sees its organisation and its ward", r.doc.Resources.map((g) => g.displayName));
  r = await scim("PATCH", "/Groups/" + ward.id, { schemas: [SCIMMY.Messages.PatchOp.id], Operations: [{ op: "add", path: "members", value: [{ value: ids[2] }] }] });
  check(r.status === 204, "add a member", r.doc);
  r = await scim("GET", "/Groups/" + ward.id);
  valid("Group", r.doc, "the ward");
  check((r.doc.members || []).some((m) => m.value === ids[2]), "the ward lists its new member", r.doc);
  r = await scim("GET", "/Users/" + ids[2]);
  check(r.doc.groups?.[0]?.value === ward.id, "the user's group is the ward", r.doc.groups);

  // Errors, each a SCIM error SCIMMY accepts.
  r = await scim("POST", "/Users", JSON.parse(JSON.stringify(new SCIMMY.Schemas.User(people[0], "in"))));
  check(r.status === 409 && r.doc.scimType === "uniqueness", "a taken userName is 409 uniqueness", r.doc);
  r = await scim("GET", "/Users?filter=" + encodeURIComponent("userName eq"));
  check(r.status === 400 && r.doc.scimType === "invalidFilter", "a bad filter is 400 invalidFilter", r.doc);
  r = await scim("PATCH", "/Users/" + target, { schemas: [SCIMMY.Messages.PatchOp.id], Operations: [{ op: "remove" }] });
  check(r.status === 400 && r.doc.scimType === "noTarget", "remove without path is 400 noTarget", r.doc);

  // Delete, and the user is gone.
  for (const id of ids) {
    r = await scim("DELETE", "/Users/" + id);
    check(r.status === 204, "delete", r.doc);
    r = await scim("GET", "/Users/" + id);
    check(r.status === 404, "a deleted user is 404", r.doc);
  }
  r = await scim("GET", "/Users");
  validList(r.doc, "User", "the empty list");
  check(r.doc.totalResults === 0 && isDeepStrictEqual(r.doc.Resources, []), "no users left, and Resources is []", r.doc);
} catch (e) {
  failures.push("the round trip stopped: " + (e.stack || e));
}

if (failures.length) {
  console.error(`scim roundtrip: ${failures.length} of ${checks} checks failed:\n- ` + failures.slice(0, 40).join("\n- "));
  await stop(1);
}
console.log(`scim roundtrip: all ${checks} checks against SCIMMY's definitions passed`);
await stop(0);
