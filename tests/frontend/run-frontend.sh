#!/bin/sh
# The front end's golden tests (tests/frontend/golden.py) with the given memcgc binary.
set -e
here=$(dirname "$0")
exec python3 "$here/golden.py" "$1" "$here/ok" "$here/errors" "$here/imports"
