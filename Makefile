# SPDX-License-Identifier: GPL-2.0-only
#
# Standalone build of the kvm-protected-state suite.
#
# The kselftest harness, libkvm and the uapi headers come from a kernel tree
# (scripts/ksrc.sh picks it: KSRC=, the enclosing tree, or the cache). The
# tree's own tools/testing/selftests/kvm/Makefile builds libkvm; suite.mk is
# read after it so the suite's programs use its CFLAGS, LDFLAGS and objects.

SUITE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(SUITE)/build

# Targets that need no kernel tree.
NO_TREE_GOALS := clean help check-self
ifneq ($(filter-out $(NO_TREE_GOALS),$(or $(MAKECMDGOALS),all)),)
KDIR := $(shell $(SUITE)/scripts/ksrc.sh)
ifeq ($(KDIR),)
$(error no kernel tree; see the error above)
endif
$(info # kernel tree: $(KDIR))
endif
KVM_DIR = $(KDIR)/tools/testing/selftests/kvm

SUBMAKE = $(MAKE) --no-print-directory -C $(KVM_DIR) -f Makefile \
	-f $(SUITE)/suite.mk SUITE=$(SUITE) KDIR=$(KDIR) \
	OUTPUT=$(BUILD)/kvm KPS_OUT=$(BUILD)

.PHONY: all clean help check check-self mutation mutation-targets bench

all:
	@mkdir -p $(BUILD)
	@if [ -f $(BUILD)/.tree ] && [ "$$(cat $(BUILD)/.tree)" != "$(KDIR)" ]; then \
		echo "# kernel tree changed, rebuilding"; rm -rf $(BUILD); mkdir -p $(BUILD); fi
	@echo "$(KDIR)" > $(BUILD)/.tree
	+@$(SUBMAKE) kps-all

clean:
	rm -rf $(BUILD)

# Build one file of the build tree, e.g. make only/x86_64/vm_types_test or
# make only/model/libkvm_sev_model.so (no other part of the suite is built).
only/%:
	@mkdir -p $(BUILD)
	+@$(SUBMAKE) $(BUILD)/$*

# The project's own tests: self-tests of the tools, then the suite on the
# VM substrate (and on the host when it has /dev/kvm).
check: all
	+@$(SUITE)/tests/run_checks.sh

check-self:
	@$(SUITE)/tests/run_checks.sh --self-only

# Every model mutant must be killed by a case the correct model passes.
mutation: all
	@$(SUITE)/run_kvmtests.sh --model --with-upstream --mutant all

mutation-targets: all
	@$(SUITE)/tests/mutation_targets.sh

bench: all
	@$(SUITE)/tests/bench.sh

help:
	@echo "make [all|clean|check|bench]  (KSRC=/path/to/linux to pick a tree)"
