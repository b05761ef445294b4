# SPDX-License-Identifier: GPL-2.0-only
#
# The suite as tools/testing/selftests/kvm of a kernel tree, copied there
# with scripts/intree.sh copy --replace (or cp -a): its Makefile (which
# replaces the tree's kvm/Makefile) includes this file,
# which is a lib.mk-compatible kvm Makefile, so the tree's own commands
# work unchanged:
#   make -C tools/testing/selftests TARGETS=kvm [O=DIR]
#   make -C tools/testing/selftests TARGETS=kvm run_tests
#   make -C tools/testing/selftests TARGETS=kvm install INSTALL_PATH=DIR
#   make -C tools/testing/selftests TARGETS=kvm gen_tar
#   make -C tools/testing/selftests/kvm [run_tests|install|clean]
#
# Programs (TEST_GEN_PROGS, installed flat as kvm/NAME, listed as kvm:NAME):
# - the suite's: the x86_64/*.c files that include one of its kps_*.h
#   headers (in a 6.12 tree x86_64/ also holds upstream's tests);
# - >= 6.14 (the tree has Makefile.kvm, the arch folder is x86/): everything
#   upstream's Makefile.kvm builds, which is included as is, so upstream's
#   kvm tests keep building, installing and running;
# - <= 6.13 (the build logic was in the kvm/Makefile the suite replaced):
#   upstream's SEV tests (sev_init2_tests, sev_smoke_test,
#   sev_migrate_tests) only. Upstream's other kvm tests stay in the tree but
#   are not built, installed or run; scripts/intree.sh copy (no --replace)
#   adds the suite to the tree's kvm/Makefile instead and keeps them.
# libkvm: the tree's lib/*.c and lib/<arch>/*.{c,S} by wildcard (not a
# copied list), lib/string_override.c apart, plus the suite's lib/kps_*.c.
# The suite's own runner still works in the tree: ./run_kvmtests.sh.

KPS_SUITE_PROGS = $(patsubst %.c,%,$(shell grep -l '^\#include "kps_' x86_64/*.c 2>/dev/null))

ifneq ($(wildcard Makefile.kvm),)
# >= 6.14: upstream's wrapper logic, then upstream's Makefile.kvm. It appends
# to TEST_GEN_PROGS and LIBKVM (and its "x86/%" pattern rules also cover the
# suite's x86_64/ folder: they are written for any directory).
top_srcdir = ../../../..
include $(top_srcdir)/scripts/subarch.include
ARCH ?= $(SUBARCH)
ifeq ($(ARCH),x86_64)
override ARCH := x86
endif
ifneq ($(ARCH),x86)
$(error kvm-protected-state is x86 only (ARCH=$(ARCH)))
endif
TEST_GEN_PROGS := $(KPS_SUITE_PROGS)
LIBKVM := $(wildcard lib/kps_*.c)
include Makefile.kvm
ARCH_DIR := x86
else
# <= 6.13.
include ../../../build/Build.include

all:

top_srcdir = ../../../..
include $(top_srcdir)/scripts/subarch.include
ARCH ?= $(SUBARCH)
ifneq ($(filter x86 x86_64,$(ARCH)),)
ARCH_DIR := x86_64
else
$(error kvm-protected-state is x86 only (ARCH=$(ARCH)))
endif

LIBKVM_STRING := lib/string_override.c
LIBKVM := $(filter-out $(LIBKVM_STRING),$(sort $(wildcard lib/*.c))) \
	$(sort $(wildcard lib/$(ARCH_DIR)/*.c lib/$(ARCH_DIR)/*.S))
TEST_GEN_PROGS := $(KPS_SUITE_PROGS) $(patsubst %.c,%,$(wildcard \
	$(ARCH_DIR)/sev_init2_tests.c $(ARCH_DIR)/sev_smoke_test.c \
	$(ARCH_DIR)/sev_migrate_tests.c))

OVERRIDE_TARGETS = 1
# lib.mk sets OUTPUT, CC and the run_tests/install/emit_tests/clean rules,
# and prefixes TEST_GEN_PROGS with $(OUTPUT)/.
include ../lib.mk

# The same flags as the tree's kvm selftests.
CFLAGS += -Wall -Wstrict-prototypes -Wuninitialized -O2 -g -std=gnu99 \
	-Wno-gnu-variable-sized-type-not-at-end -MD -MP -DCONFIG_64BIT \
	-U_FORTIFY_SOURCE -fno-builtin-memcmp -fno-builtin-memcpy \
	-fno-builtin-memset -fno-builtin-strnlen -fno-stack-protector \
	-fno-PIE -fno-strict-aliasing \
	-I$(top_srcdir)/tools/include -I$(top_srcdir)/tools/arch/x86/include \
	-I$(top_srcdir)/usr/include/ -Iinclude -I$(<D) -Iinclude/$(ARCH_DIR) \
	-I ../rseq -I.. $(EXTRA_CFLAGS) $(KHDR_INCLUDES)
ifeq ($(shell echo "void f(void) { }" | $(CC) -march=x86-64-v2 -x c - -c -o /dev/null 2>/dev/null; echo $$?),0)
CFLAGS += -march=x86-64-v2
endif
no-pie-option := $(call try-run, echo 'int main(void) { return 0; }' | \
	$(CC) -Werror $(CFLAGS) -no-pie -x c - -o "$$TMP", -no-pie)
LDLIBS += -ldl
LDFLAGS += -pthread $(no-pie-option)

LIBKVM_C_OBJ := $(patsubst %.c,$(OUTPUT)/%.o,$(filter %.c,$(LIBKVM)))
LIBKVM_S_OBJ := $(patsubst %.S,$(OUTPUT)/%.o,$(filter %.S,$(LIBKVM)))
LIBKVM_STRING_OBJ := $(patsubst %.c,$(OUTPUT)/%.o,$(LIBKVM_STRING))
LIBKVM_OBJS = $(LIBKVM_C_OBJ) $(LIBKVM_S_OBJ) $(LIBKVM_STRING_OBJ)
TEST_GEN_OBJ = $(patsubst %,%.o,$(TEST_GEN_PROGS))

-include $(patsubst %.o,%.d,$(TEST_GEN_OBJ) $(LIBKVM_OBJS))
$(shell mkdir -p $(sort $(OUTPUT)/$(ARCH_DIR) $(dir $(LIBKVM_OBJS))))

$(TEST_GEN_PROGS): %: %.o $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
$(TEST_GEN_OBJ): $(OUTPUT)/%.o: %.c
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@
$(LIBKVM_C_OBJ): $(OUTPUT)/%.o: %.c
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@
$(LIBKVM_S_OBJ): $(OUTPUT)/%.o: %.S
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@
# Freestanding, or the compiler may turn memcmp() into a call to itself.
$(LIBKVM_STRING_OBJ): $(OUTPUT)/%.o: %.c
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c -ffreestanding $< -o $@

EXTRA_CLEAN += $(LIBKVM_OBJS) $(TEST_GEN_OBJ) \
	$(patsubst %.o,%.d,$(TEST_GEN_OBJ) $(LIBKVM_OBJS))
endif
