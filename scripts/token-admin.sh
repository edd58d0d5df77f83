#!/usr/bin/env bash
# Administer a running Userdesk from a script with an API token (README: "API tokens"):
# list accounts, create one, update it, and bulk-import a CSV that updates it again and creates
# another. It uses only the userdesk command line and curl.
#
#   USERDESK_URL=http://127.0.0.1:8470 USERDESK_TOKEN=udt_… UNIT_ID=<unit id> scripts/token-admin.sh
#
# USERDESK_BIN names the userdesk binary (default: userdesk on the PATH); PREFIX makes the
# usernames it creates unique (default: script). Exits non-zero at the first step that fails.
set -euo pipefail
: "${USERDESK_URL:?set USERDESK_URL to the running Userdesk, e.g. http://127.0.0.1:8470}"
: "${USERDESK_TOKEN:?set USERDESK_TOKEN to an API token (My Account → API tokens)}"
: "${UNIT_ID:?set UNIT_ID to the unit the new accounts go in}"
ud=${USERDESK_BIN:-userdesk}
prefix=${PREFIX:-script}
api="${USERDESK_URL%/}/api/v1"
auth="Authorization: Bearer $USERDESK_TOKEN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }
# json_str KEY: the first string member KEY of the JSON on standard input.
json_str() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }

step "list the accounts the token may see"
"$ud" users list --limit 5

step "create $prefix.one@example.org"
created=$(curl -fsS -H "$auth" -H 'Content-Type: application/json' \
	-d "{\"username\":\"$prefix.one@example.org\",\"firstName\":\"Script\",\"lastName\":\"One\",\"unitId\":\"$UNIT_ID\"}" \
	"$api/users")
id=$(printf '%s' "$created" | json_str id)
[ -n "$id" ] || { echo "no id in: $created" >&2; exit 1; }
echo "created $id"

step "update its job title (If-Match with the ETag just read)"
etag=$(curl -fsS -D - -o /dev/null -H "$auth" "$api/users/$id" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
curl -fsS -o /dev/null -X PATCH -H "$auth" -H 'Content-Type: application/json' -H "If-Match: $etag" \
	-d '{"jobTitle":"Scripted"}' "$api/users/$id"
"$ud" users get "$id" | grep -q '"jobTitle": "Scripted"'
echo "updated"

step "bulk import: update $prefix.one, create $prefix.two"
cat >"$work/bulk.csv" <<CSV
User ID,Local ID,Username,First Name,Last Name,OU ID,Job Title
$id,,$prefix.one@example.org,Script,One,$UNIT_ID,Imported
,$prefix-two,$prefix.two@example.org,Script,Two,$UNIT_ID,Imported
CSV
"$ud" import "$work/bulk.csv" --yes | tee "$work/import.txt"
imp=$(sed -n 's/.*(import \([^ ]*\) at .*/\1/p' "$work/import.txt")
test -n "$imp"

step "check"
"$ud" users get "$prefix.one@example.org" | grep -q '"jobTitle": "Imported"'
"$ud" users get "$prefix.two@example.org" | grep -q '"jobTitle": "Imported"'
"$ud" export "$work/after.csv"
grep -q "$prefix.two@example.org" "$work/after.csv"

step "undo the bulk import"
"$ud" import --undo "$imp"
"$ud" users get "$prefix.one@example.org" | grep -q '"jobTitle": "Scripted"'
if "$ud" users get "$prefix.two@example.org" >/dev/null 2>&1; then
  echo "the account the import created is still there" >&2
  exit 1
fi
echo "done"
