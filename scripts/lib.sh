# Helpers shared by the scripts in this folder: source it, don't run it.

# Runs a command as root: directly when we are root, else through sudo.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Wall seconds, with fractions.
seconds() { date +%s.%N; }

# time_loop N COMMAND…: total wall seconds of N runs of COMMAND (output discarded).
time_loop() {
    local n=$1; shift
    local start end
    start=$(seconds)
    for _ in $(seq "$n"); do "$@" >/dev/null; done
    end=$(seconds)
    echo "$end - $start" | bc -l
}

# human_trusts DEV_POSTGRES FILE: runs `dev-postgres trust FILE` at a
# pseudo-terminal (script(1)) and types the file's short hash, as the person
# running this script does for the script's own throwaway configuration.
human_trusts() {
    local tool=$1 file=$2 short
    short=$(sha256sum "$file" | cut -c1-8)
    printf '%s\n' "$short" | script -qec "$(printf '%q ' "$tool" trust "$file")" /dev/null >/dev/null
}

# build_shipped_hook: target/release/pg-hook as it ships. The hook starts on
# every tool call, so it is linked static-pie (glibc): no dynamic symbol
# lookups at start-up. Only the final link of pg-hook changes (the flag is
# not passed to dependencies or proc-macros).
build_shipped_hook() {
    cargo rustc --release --quiet -p pg-hook --bin pg-hook -- -C target-feature=+crt-static
}
