#!/bin/sh
sh scripts/dump.sh
