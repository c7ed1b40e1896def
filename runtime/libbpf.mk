# libbpf 1.5, built as a static library from the tools/lib/bpf of Debian's linux-source-6.12.
# Debian 12's own libbpf (1.1.2) ignores `.struct_ops.link` sections and cannot load the
# tracepoint side of an object that carries struct_ops maps on a kernel without the type;
# 1.5 can (docs/memcg-run.md, "Why libbpf 1.5 from linux-source-6.12"; docs/kernel-abis.md).

KERNEL_SOURCE_TAR ?= /usr/src/linux-source-6.12.tar.xz
LIBBPF_DIR   := $(BUILD)/libbpf
LIBBPF_A     := $(LIBBPF_DIR)/lib64/libbpf.a
LIBBPF_CFLAGS := -I$(LIBBPF_DIR)/include
LIBBPF_LIBS  := $(LIBBPF_A) -lelf -lz

LIBBPF_TREE := tools/lib/bpf tools/include tools/scripts tools/build tools/arch/x86/include \
	include/uapi arch/x86/include/uapi scripts/bpf_doc.py

$(LIBBPF_A): | $(DEPS_STAMP)
	@echo "  LIBBPF  building libbpf 1.5 from $(KERNEL_SOURCE_TAR)"
	@rm -rf $(LIBBPF_DIR) && mkdir -p $(LIBBPF_DIR)/src $(LIBBPF_DIR)/obj
	@tar -xJf $(KERNEL_SOURCE_TAR) -C $(LIBBPF_DIR)/src --strip-components=1 \
		$(addprefix linux-source-6.12/,$(LIBBPF_TREE))
	@$(MAKE) -s -C $(LIBBPF_DIR)/src/tools/lib/bpf BUILD_STATIC_ONLY=1 \
		OUTPUT=$(abspath $(LIBBPF_DIR))/obj/ DESTDIR=$(abspath $(LIBBPF_DIR)) prefix= \
		install >$(LIBBPF_DIR)/build.log 2>&1 || { tail -20 $(LIBBPF_DIR)/build.log; exit 1; }
	@rm -rf $(LIBBPF_DIR)/src $(LIBBPF_DIR)/obj

libbpf: $(LIBBPF_A)
.PHONY: libbpf
