# memcgc end to end in the test VM: memcgc-compiled policies, attached by memcg-run to
# cgroup v2 memcgs of a kernel with memcg_bpf_ops, throttling real workloads.
SUITE_vm-memcgc      := $(VM_PROGS) && tests/vm/e2e/run-e2e.sh $(BUILD) v6 v2 v7
SUITE_vm-memcgc_DEPS := all
