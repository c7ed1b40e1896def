# The test suites. Each fragment adds `name 'command'` pairs to SUITES; tests/run.py runs
# them in order and prints the total (see the convention at the top of tests/run.py).

SUITES += frontend 'tests/frontend/run-frontend.sh $(BUILD)/memcgc'

check: deps all $(CHECK_DEPS)
	@python3 tests/run.py $(SUITES)

.PHONY: check
