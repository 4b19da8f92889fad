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
