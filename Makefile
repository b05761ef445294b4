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

# In a kernel tree: when this directory is tools/testing/selftests/kvm and
# this file replaced the tree's kvm Makefile (scripts/intree.sh copy
# --replace), it is that Makefile (scripts/intree.mk, lib.mk-compatible),
# so `make -C tools/testing/selftests TARGETS=kvm [run_tests|install|gen_tar]`
# works. The suite's own goals, and KPS_STANDALONE=1 (run_kvmtests.sh sets
# it), keep the standalone build below, as does this file under another
# name: Makefile.kps beside the tree's own kvm Makefile (scripts/intree.sh
# copy, the default), where that Makefile builds the suite's programs.
KPS_OWN_GOALS := check check-self bench patches matrix intree-check help \
	mutation mutation-targets only/% lava differential
KPS_IN_TREE := $(and $(wildcard $(SUITE)/../lib.mk),\
	$(wildcard $(SUITE)/../kselftest_harness.h),$(wildcard $(SUITE)/../../../../Makefile))
ifneq ($(KPS_IN_TREE),)
ifeq ($(notdir $(lastword $(MAKEFILE_LIST))),Makefile)
ifeq ($(KPS_STANDALONE)$(filter $(KPS_OWN_GOALS),$(MAKECMDGOALS)),)
KPS_KSELFTEST := 1
endif
endif
endif

ifdef KPS_KSELFTEST
include $(SUITE)/scripts/intree.mk
else

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

# KPS_STANDALONE=, KPS_TESTS, KPS_LIB_OBJS: in a kernel tree, KVM_DIR is
# this directory, whose x86_64/ and lib/ also hold upstream's files: the
# suite's programs are the ones that include its kps_*.h headers, and its
# lib/kps_*.c are already in libkvm (scripts/intree.mk).
SUBMAKE = $(MAKE) --no-print-directory -C $(KVM_DIR) -f Makefile \
	-f $(SUITE)/suite.mk SUITE=$(SUITE) KDIR=$(KDIR) \
	OUTPUT=$(BUILD)/kvm KPS_OUT=$(BUILD) KPS_STANDALONE= \
	KPS_TESTS="$(sort $(notdir $(basename $(shell grep -l '^\#include "kps_' $(SUITE)/x86_64/*.c))))" \
	$(if $(KPS_IN_TREE),KPS_LIB_OBJS=)

.PHONY: all clean help check check-self mutation mutation-targets bench
.PHONY: patches intree-check valgrind matrix lava differential

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
	@MODEL_VENDOR=intel $(SUITE)/run_kvmtests.sh --model --mutant all

mutation-targets: all
	@$(SUITE)/tests/mutation_targets.sh

bench: all
	@$(SUITE)/tests/bench.sh

# The suite once per kernel on the VM substrate, as one table: cases down,
# kernels across (scripts/matrix.sh). KERNELS: Debian versions or bzImage
# paths (default: the pinned one and two others apt offers); MATRIX_FILTER:
# case globs (-t); MATRIX_ARGS: more runner options; MATRIX_COMPACT=1 folds
# alike rows of a fixture, MATRIX_DIFF=1 keeps the rows that differ.
matrix:
	@$(SUITE)/scripts/matrix.sh --out $(BUILD)/matrix \
		$(if $(filter-out 0,$(MATRIX_COMPACT)),--compact) \
		$(if $(filter-out 0,$(MATRIX_DIFF)),--diff) $(KERNELS) -- \
		$(foreach f,$(MATRIX_FILTER),-t '$(f)') $(MATRIX_ARGS)

# The suite on the software model and on the software Secure Processor
# kernel (kernel/swpsp/), case by case: every difference must be a kernel
# deviation in expect/6.12.117.txt or a SKIP naming the
# software SP (scripts/differential.sh). DIFFERENTIAL_FILTER: case globs.
differential: all
	@$(SUITE)/scripts/differential.sh --out $(BUILD)/differential -- \
		$(foreach f,$(DIFFERENTIAL_FILTER),-t '$(f)')

# Every test program under valgrind memcheck, on the bare host KVM and over
# the model (tests/valgrind.sh; also part of make check).
valgrind: all
	@$(SUITE)/tests/valgrind.sh

# The suite as a git format-patch series for tools/testing/selftests/kvm,
# checked with checkpatch.pl --strict and git am (scripts/patches.sh).
PATCHES ?= $(BUILD)/patches
patches:
	@$(SUITE)/scripts/patches.sh --tree $(KDIR) --check $(PATCHES)

# Copy the suite into a copy of the tree and drive it with the tree's own
# kselftest commands (tests/test_intree.sh; also part of make check).
intree-check: all
	@$(SUITE)/tests/test_intree.sh

# The suite through LAVA as kernel CI farms run it: lava/job.yaml with
# Debian's lava-run on qemu (lava/device-qemu.yaml), results compared with
# the suite's KTAP case by case (lava/lava.sh). LAVA_SKIPFILE: a skipfile.
lava:
	@$(SUITE)/lava/lava.sh --out $(BUILD)/lava $(if $(LAVA_SKIPFILE),--skipfile $(LAVA_SKIPFILE))

help:
	@echo "make [all|clean|check|bench|patches|intree-check|matrix KERNELS=...|differential]  (KSRC=/path/to/linux to pick a tree)"
endif
