# tests/lang: the language-item suites of issues 11 and 12 (exactness and ranges shared
# with memcg-run --set, recursion limits, verification cost, the event table, random
# policies). Included from the top Makefile after tests/tests.mk.

SUITES += set 'tests/lang/run-set.sh $(BUILD)'
SUITES += limits 'tests/lang/run-limits.sh $(BUILD)/memcgc $(BUILD)/tests/limits'
SUITES += limits-asan 'tests/lang/run-limits.sh $(ASAN_DIR)/memcgc $(BUILD)/tests/limits-asan'
