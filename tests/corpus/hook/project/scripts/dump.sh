#!/usr/bin/env bash
set -e
pg_dump "$DATABASE" > backup.sql
