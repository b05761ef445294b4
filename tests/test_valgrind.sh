#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check runs every tests/test_*.sh: this is the valgrind memcheck step
# (tests/valgrind.sh, also `make valgrind`).
exec bash "$(dirname "$0")/valgrind.sh"
