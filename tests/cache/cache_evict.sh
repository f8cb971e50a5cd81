#!/bin/bash
# The cache directory's bound (src/wasm/cache_dir.c): after `warren run` writes a cache file past
# the limit (WARREN_CACHE_MAX_SIZE or --cache-max-size), the least recently used cache files are
# deleted down to 70% of it, never the file just written nor anything not named and owned as a
# cache file; stale writer temporaries go too. A hit refreshes its file's mtime, so a file in
# use survives an older-looking one. A malformed limit is a usage error (exit 2) naming it.
# Usage: cache_evict.sh WARREN HELLO.wasm SCRATCH_DIR
set -u
warren=$1 hello=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
cd "$scratch" || exit 1
export XDG_CACHE_HOME=$scratch/xdg
cache=$XDG_CACHE_HOME/warren
unset WARREN_CACHE_MAX_SIZE
fail() {
  echo "FAIL: $*"
  for f in out err; do [ -f $f ] && { echo "--- $f"; cat $f; }; done
  ls -la --time-style=+%F.%T "$cache" 2>/dev/null
  exit 1
}
greets() { grep -q '^Hello, Ada! This is WebAssembly' out || fail "$1: no greeting"; }
present() { for f in "$@"; do [ -e "$cache/$f" ] || [ -L "$cache/$f" ] || fail "$f was deleted"; done; }
absent() { for f in "$@"; do [ -e "$cache/$f" ] && fail "$f was kept"; done; true; }
# a name as the cache gives them: hash (32 hex), build (8), features, target
fake_name() { printf '%032x-%08x-0d-1f.cwasm' "$1" 0; }
# fake NAME AGE: a cache-named file of the real file's size, last used AGE ago
fake() {
  head -c "$size" /dev/zero >"$cache/$1" && chmod 600 "$cache/$1" && touch -d "$2 ago" "$cache/$1" || exit 1
}

# the real file: its name and size
"$warren" run "$hello" Ada >out 2>err || fail "first run"
greets "first run"
real=$(cd "$cache" && ls *.cwasm)
[ "$(echo "$real" | wc -l)" = 1 ] || fail "first run: not one cache file"
size=$(stat -c %s "$cache/$real")
# 4.5 files: with the new one, five files are over it; 70% of it holds three
limit=$((size * 9 / 2))

# eviction: the two least recently used of four fakes go, the rest stays
rm "$cache/$real"
old1=$(fake_name 1) old2=$(fake_name 2) new1=$(fake_name 3) new2=$(fake_name 4)
fake "$old1" "10 days"
fake "$old2" "9 days"
fake "$new1" "1 day"
fake "$new2" "1 hour"
# never touched: other names (older and bigger than all), temporaries in use, what is not a
# regular file of this user's writable by it alone
head -c $((size * 10)) /dev/zero >"$cache/notes.txt"
head -c $((size * 10)) /dev/zero >"$cache/app.cwasm"
upper=$(printf '%032X-%08x-0d-1f.cwasm' 2748 0)
head -c "$size" /dev/zero >"$cache/$upper"
head -c "$size" /dev/zero >"$cache/$old1.bak"
fake "$(fake_name 6)" "30 days" && chmod 620 "$cache/$(fake_name 6)"
head -c "$size" /dev/zero >outside && ln -s "$scratch/outside" "$cache/$(fake_name 7)"
mkdir "$cache/$(fake_name 8)"
mkfifo -m 600 "$cache/$(fake_name 11)"
touch -d "40 days ago" "$cache"/*.txt "$cache"/app.cwasm "$cache"/*.bak "$cache/$upper"
touch -h -d "40 days ago" "$cache/$(fake_name 7)" "$cache/$(fake_name 8)" "$cache/$(fake_name 11)"
not_owned=""
if [ "$(id -u)" = 0 ]; then # another user's file: only root can make one here
  fake "$(fake_name 9)" "50 days" && chown 65534 "$cache/$(fake_name 9)" && not_owned=$(fake_name 9)
fi
# a writer's temporaries: a crashed one's (stale) goes, a running one's stays
fake "$old1.Ab12Cd" "2 hours"
fake "$new1.xY34zW" "1 minute"

WARREN_CACHE_MAX_SIZE=$limit "$warren" run "$hello" Ada >out 2>err || fail "run over the limit"
greets "run over the limit"
[ -s err ] && fail "run over the limit: stderr not empty"
present "$real" "$new1" "$new2" notes.txt app.cwasm "$upper" "$old1.bak" "$(fake_name 6)" \
  "$(fake_name 7)" "$(fake_name 8)" "$(fake_name 11)" "$new1.xY34zW" $not_owned
[ -f outside ] || fail "the symlink's target was deleted"
absent "$old1" "$old2" "$old1.Ab12Cd"

# no limit: nothing goes
fake "$old1" "10 days"
rm "$cache/$real"
"$warren" run --cache-max-size 0 "$hello" Ada >out 2>err || fail "run with --cache-max-size 0"
greets "--cache-max-size 0"
present "$real" "$old1" "$new1" "$new2"
# within the limit: nothing goes either (four files, 1 GiB by default)
rm "$cache/$real"
"$warren" run "$hello" Ada >out 2>err || fail "run within the limit"
present "$real" "$old1" "$new1" "$new2"
rm "$cache/$old1"

# a hit marks its file used: made the oldest of all, it outlives an unused older one when the
# next write (another input: hello with a custom section appended) trims the directory
touch -d "20 days ago" "$cache/$real"
old3=$(fake_name 10)
fake "$old3" "5 days"
"$warren" run "$hello" Ada >out 2>err || fail "run from the cache file"
greets "run from the cache file"
[ $(($(date +%s) - $(stat -c %Y "$cache/$real"))) -lt 60 ] || fail "a hit did not refresh its file's mtime"
{ cat "$hello" && printf '\0\4\3abc'; } >hello2.wasm
# the flag, with a suffix, wins over the variable
WARREN_CACHE_MAX_SIZE=1G "$warren" run --cache-max-size=$(((limit + 1023) / 1024))K hello2.wasm Ada >out 2>err ||
  fail "run of a second input"
greets "second input"
[ "$(cd "$cache" && ls -d *-*-*-*.cwasm | grep -v -e "^$real\$" -e "^000" | wc -l)" = 1 ] || fail "no file for the second input"
present "$real" "$new2"
absent "$old3" "$new1"
second=$(cd "$cache" && ls -d *-*-*-*.cwasm | grep -v -e "^$real\$" -e "^000")

# a limit below the new file alone: every other cache file goes, the new one stays
rm "$cache/$real"
WARREN_CACHE_MAX_SIZE=1K "$warren" run "$hello" Ada >out 2>err || fail "run with a 1K limit"
greets "1K limit"
present "$real" notes.txt "$(fake_name 6)" "$(fake_name 11)" $not_owned
absent "$new2" "$second"

# a malformed limit: exit 2 and a message naming it, for run and serve, before anything runs
for value in 12Q 1.5G 512MB -1 "" " 5" K 18446744073709551616 17179869184G; do
  WARREN_CACHE_MAX_SIZE=$value "$warren" run "$hello" Ada >out 2>err
  [ $? = 2 ] || fail "WARREN_CACHE_MAX_SIZE='$value': run did not exit 2"
  grep -q "^warren run: WARREN_CACHE_MAX_SIZE: expected a size in bytes .*got '$value'" err ||
    fail "WARREN_CACHE_MAX_SIZE='$value': no clear message"
  [ -s out ] && fail "WARREN_CACHE_MAX_SIZE='$value': the guest ran"
  "$warren" run --cache-max-size="$value" "$hello" Ada >out 2>err
  [ $? = 2 ] || fail "--cache-max-size='$value': run did not exit 2"
  grep -q "^warren run: --cache-max-size: expected a size in bytes .*got '$value'" err ||
    fail "--cache-max-size='$value': no clear message"
done
WARREN_CACHE_MAX_SIZE=12Q "$warren" serve --addr 127.0.0.1:0 "$hello" >out 2>err
[ $? = 2 ] || fail "WARREN_CACHE_MAX_SIZE=12Q: serve did not exit 2"
grep -q "^warren serve: WARREN_CACHE_MAX_SIZE: expected a size" err || fail "serve: no clear message"
"$warren" serve --addr 127.0.0.1:0 --cache-max-size 1T "$hello" >out 2>err
[ $? = 2 ] || fail "--cache-max-size 1T: serve did not exit 2"
grep -q "^warren serve: --cache-max-size: expected a size" err || fail "serve --cache-max-size: no clear message"
"$warren" run --cache-max-size >out 2>err
[ $? = 2 ] && grep -q "needs a value" err || fail "--cache-max-size without a value"

"$warren" run --help | grep -q -- "--cache-max-size SIZE" || fail "run --help does not show --cache-max-size"
"$warren" serve --help | grep -q -- "--cache-max-size SIZE" || fail "serve --help does not show --cache-max-size"
echo "cache eviction tests passed"
