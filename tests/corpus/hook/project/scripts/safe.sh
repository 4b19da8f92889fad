#!/usr/bin/env bash
# Builds the project. (We stopped calling psql here: use pg-query.)
echo "use pg-query, not psql"
cargo build --release
grep -r psql docs/ || true
