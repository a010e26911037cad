# Shared by the INT8 test scripts (sourced after `asc=$1`): a scratch directory
# removed on exit, the model under test, fail, and expect_error.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=bcres2net_mfa_fpm
fail() { echo "FAIL: $*"; exit 1; }

# expect_error PATTERN ARGS...: asc ARGS exits 1 with one stderr line holding PATTERN.
expect_error() {
    local pattern=$1; shift
    set +e; "$asc" "$@" >"$tmp/out" 2>"$tmp/err"; local st=$?; set -e
    [[ $st == 1 ]] || fail "$* exited $st"
    [[ $(wc -l <"$tmp/err") == 1 ]] || fail "$*: not one error line: $(cat "$tmp/err")"
    grep -q -- "$pattern" "$tmp/err" || fail "$*: $(cat "$tmp/err")"
}
