# memcgc end to end in the test VM: memcgc-compiled policies, attached by memcg-run to
# cgroup v2 memcgs of a kernel with memcg_bpf_ops, throttling real workloads; and on the
# stock kernel (Debian's 6.12, none of the patches), carried out through cgroup files with
# memory.stat polled.
SUITE_vm-memcgc      := $(VM_PROGS) && tests/vm/e2e/run-e2e.sh $(BUILD) $(VM_KERNELS)
SUITE_vm-memcgc_DEPS := all
