# memcgc — build, test and run everything from here.
#
#   make deps         install the Debian packages the build and the tests need
#   make              build memcgc and memcg-run
#   make check        deps + build + every test suite (what CI runs); make check-NAME: one
#   make check-fresh  make demo and make check in a fresh Debian 12 root (tests/fresh/)
#   make demo         the main job: the RFC's experiment with an example policy, in the test VM
#   make fuzz         a long fuzzing run over the front end
#   make bench        benchmarks, with figures printed
#
# Nothing here runs a tool that `make deps` installs while make reads the makefiles: values
# from such tools are read in recipes (compiler/codegen.mk), and every rule that needs a
# package waits for the deps stamp (an order-only prerequisite), so `make -j2 check` on a
# fresh machine installs first and builds after.

BUILD    ?= build
CC       ?= cc
CLANG    ?= clang-19
LLVM_CONFIG ?= llvm-config-19
PREFIX   ?= /usr/local

WARN     := -Wall -Wextra -Wshadow -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -I$(BUILD)/grammar -Icompiler -MMD -MP
CFLAGS   += -DMEMCGC_STDLIB_DIR='"$(PREFIX)/share/memcgc/stdlib"'
LDLIBS   :=

all: $(BUILD)/memcgc

# Debian packages: the build (flex, bison, LLVM 19 linked statically with zlib and zstd,
# libelf, libcap for memcg-run), the tests (clang-19 with libFuzzer and the sanitizers,
# bpftool), the test kernels (their build tools, git for the patched tree, QEMU, busybox,
# stress-ng) and make bench (gnuplot, time). The kernel source, linux-source-6.12, is also
# the source of the libbpf 1.5 memcg-run links (runtime/libbpf.mk); it is pinned to the
# versions the patch series is tested against (tests/vm/kernel/source-versions) and
# installed by tests/vm/kernel/linux-source.sh, downgrading a newer one.
DEB_PACKAGES := build-essential flex bison pkg-config python3 llvm-19-dev clang-19 \
	libclang-rt-19-dev lld-19 libbpf-dev libelf-dev zlib1g-dev libzstd-dev libcap-dev bpftool \
	bc libssl-dev dwarves cpio xz-utils qemu-system-x86 git \
	busybox-static stress-ng gnuplot-nox time linux-perf strace
# The stamp's name changes with the package list, the pin and the kernel source installed
# (dpkg-query is part of every Debian system), so a changed pin or a linux-source-6.12
# upgraded behind our back runs `make deps` again before anything is built.
KERNEL_SOURCE_PIN := tests/vm/kernel/source-versions
DEPS_STAMP := $(BUILD)/.deps-$(shell { echo $(DEB_PACKAGES); cat $(KERNEL_SOURCE_PIN); \
	dpkg-query -W linux-source-6.12 2>/dev/null; } | md5sum | cut -c1-8)

deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Status}\n' $(DEB_PACKAGES) 2>/dev/null \
		| awk '$$2 != "installed" {print $$1}'; \
		for p in $(DEB_PACKAGES); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$(echo $$missing | tr '\n' ' ')"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps: all Debian packages present"; fi
	@tests/vm/kernel/linux-source.sh install || \
		{ apt-get update -q >/dev/null && tests/vm/kernel/linux-source.sh install; }
	@mkdir -p $(BUILD) && touch $@

include compiler/codegen.mk
include compiler/compiler.mk
include runtime/libbpf.mk
include runtime/runtime.mk
include runtime/hostile.mk
include tests/vm/vm.mk
include tests/vm/e2e/e2e.mk
include tests/codegen/codegen.mk
include tests/semantics/semantics.mk
include tests/lang/lang.mk
include tests/tests.mk
include bench/bench.mk
include bench/guest.mk


# The RFC's experiment in the test VM (examples/demo): ABI=v2 (the default, set in
# tests/vm/vm.mk) runs examples/priority.mcp (over_high), ABI=v6
# examples/priority-delay.mcp (high_delay); ABI is read from the command line or the
# environment.
demo: all vm-progs
	@examples/demo/run-demo.sh $(BUILD) $(ABI)

# A fresh Debian 12 root runs `make demo` and `make check` (tests/fresh/check-fresh.sh):
# about an hour with a cold kernel cache. FRESH_OPTS=--host-cache binds this machine's.
FRESH_DIR ?= /var/tmp/memcgc-fresh
check-fresh:
	tests/fresh/check-fresh.sh . $(FRESH_DIR) $(FRESH_OPTS)

clean:
	rm -rf $(BUILD)

.PHONY: all deps demo check-fresh clean
.DELETE_ON_ERROR:
