# The test VM: kernels with the memcg_bpf_ops patches, a QEMU runner, and the guest
# tests of the kernel interface (see tests/vm/kernel/README.md).
#
#   make vm-kernels          build (or find in the cache) the v6, v2, v7 and stock kernels
#   make vm-shell ABI=v6     interactive shell in the VM (host root chrooted; default v2; also
#                            ABI=stock)
#   make check-vm            just this suite, through tests/run.py (tests/tests.mk)
#   make vm-progs            the test programs (loader, toucher, BPF objects)

VM_DIR    := tests/vm
VM_BUILD  := $(BUILD)/vm
VM_ABIS   := v6 v2 v7
# the kernels the tests boot: each ABI's, and stock (Debian's 6.12 with none of the
# patches: no tracepoint, no memcg_bpf_ops; the end-to-end suite only)
VM_KERNELS = $(VM_ABIS) stock
ABI       ?= v2
VM_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter

vm-kernels: | $(DEPS_STAMP)
	$(VM_DIR)/build-kernel.sh $(VM_KERNELS)

# the programs for ABI's kernel only (stock has no memcg_bpf_ops for the loader's object)
vm-shell: $(VM_BUILD)/toucher $(VM_BUILD)/loader $(if $(filter stock,$(ABI)),,$(VM_BUILD)/memcg_ops-$(ABI).bpf.o)
	$(VM_DIR)/run-vm.sh --shell --abi $(ABI) --swap

$(VM_BUILD)/toucher: $(VM_DIR)/progs/toucher.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) -o $@ $<

$(VM_BUILD)/loader: $(VM_DIR)/progs/loader.c $(VM_DIR)/progs/memcg_ops.h $(LIBBPF_A)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) $(LIBBPF_CFLAGS) -I$(VM_DIR)/progs -o $@ $< $(LIBBPF_LIBS)

# Each ABI's vmlinux.h comes from its kernel's BTF (build-kernel.sh dumps it); the copy
# here changes only when the kernel does, so the BPF object rebuilds only then.
$(VM_BUILD)/%/vmlinux.h: FORCE | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@kdir=$$($(VM_DIR)/build-kernel.sh $* | tail -1) && \
		cmp -s $$kdir/vmlinux.h-$* $@ || cp $$kdir/vmlinux.h-$* $@

$(VM_BUILD)/memcg_ops-%.bpf.o: $(VM_DIR)/progs/memcg_ops.bpf.c $(VM_DIR)/progs/memcg_ops.h \
		$(VM_BUILD)/%/vmlinux.h $(LIBBPF_A)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -DMEMCG_ABI_$(subst v,V,$*) \
		-I$(VM_BUILD)/$* -I$(VM_DIR)/progs $(LIBBPF_CFLAGS) -c $< -o $@

vm-progs: $(VM_BUILD)/toucher $(VM_BUILD)/loader $(VM_ABIS:%=$(VM_BUILD)/memcg_ops-%.bpf.o)

# The suite (registered in tests/tests.mk). It builds the kernels itself, so that
# `make check` runs the fast suites first: a cold cache first builds the three kernels
# (~20-25 min on 2 busy cores, build-kernel.sh's progress lines shown as they come);
# warm, the suite takes ~4 min. VM_PROGS is that build, for every suite that boots them.
# (MAKEFLAGS emptied drops the command line's variables too: VM_ABIS is passed again)
VM_PROGS      := MAKEFLAGS= $(MAKE) -s --no-print-directory VM_ABIS="$(VM_ABIS)" vm-progs
SUITE_vm      := $(VM_PROGS) && $(VM_DIR)/tests/run-suite.sh $(BUILD) $(VM_ABIS)
SUITE_vm_DEPS := all

.PRECIOUS: $(VM_BUILD)/%/vmlinux.h
FORCE:
.PHONY: vm-kernels vm-shell vm-progs FORCE
