# SPDX-License-Identifier: GPL-2.0-only
#
# Read after the kernel tree's tools/testing/selftests/kvm/Makefile (make -f
# Makefile -f suite.mk), so $(CFLAGS), $(LDFLAGS), $(LDLIBS), $(ARCH_DIR) and
# $(LIBKVM_OBJS) are the tree's own. Works with the 6.12 layout (x86_64/,
# lib/x86_64/) and the >= 6.14 one (x86/, lib/x86/).

KPS_TESTS := $(sort $(notdir $(basename $(wildcard $(SUITE)/x86_64/*.c))))
KPS_LIB_OBJS := $(patsubst $(SUITE)/lib/%.c,$(KPS_OUT)/lib/%.o,\
	$(wildcard $(SUITE)/lib/*.c))
KPS_BINS := $(addprefix $(KPS_OUT)/x86_64/,$(KPS_TESTS))
KPS_TOOLS := $(patsubst $(SUITE)/tools/%.c,$(KPS_OUT)/tools/%,\
	$(wildcard $(SUITE)/tools/*.c))
KPS_MODEL_SRCS := $(wildcard $(SUITE)/model/*.c)
KPS_MODEL := $(if $(KPS_MODEL_SRCS),$(KPS_OUT)/model/libkvm_sev_model.so)

# Upstream's SEV selftests, built unmodified by the tree's rules; the model's
# fidelity check runs them.
KPS_UPSTREAM := $(addprefix $(OUTPUT)/$(ARCH_DIR)/,\
	sev_init2_tests sev_smoke_test sev_migrate_tests)

KPS_CFLAGS = $(CFLAGS) -I$(SUITE)/include

# The model and the tools do not use libkvm: plain uapi headers, PIC.
KPS_PLAIN_CFLAGS = -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -std=gnu11 -D_GNU_SOURCE \
	-isystem $(KDIR)/usr/include -I$(SUITE)/include

$(shell mkdir -p $(KPS_OUT)/lib $(KPS_OUT)/x86_64 $(KPS_OUT)/tools $(KPS_OUT)/model)

.PHONY: kps-all kps-print-%
kps-all: $(KPS_BINS) $(KPS_TOOLS) $(KPS_MODEL) $(KPS_UPSTREAM)

$(KPS_OUT)/lib/%.o: $(SUITE)/lib/%.c
	$(CC) $(KPS_CFLAGS) -c $< -o $@

$(KPS_OUT)/x86_64/%.o: $(SUITE)/x86_64/%.c
	$(CC) $(KPS_CFLAGS) -c $< -o $@

$(KPS_BINS): $(KPS_OUT)/x86_64/%: $(KPS_OUT)/x86_64/%.o $(KPS_LIB_OBJS) $(LIBKVM_OBJS)
	$(CC) $(KPS_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(KPS_OUT)/tools/%: $(SUITE)/tools/%.c
	$(CC) $(KPS_PLAIN_CFLAGS) -MD -MP $< -o $@

# The model is also executable (an .interp section and its own entry point):
# libkvm_sev_model.so --list-mutants.
$(KPS_MODEL): $(KPS_MODEL_SRCS) $(wildcard $(SUITE)/model/*.h)
	$(CC) $(KPS_PLAIN_CFLAGS) -fPIC -shared -fvisibility=hidden \
		-Wl,-e,model_entry -Wl,-z,now \
		$(KPS_MODEL_SRCS) -ldl -pthread -o $@

# Print a variable of the tree's Makefile (the self-tests use it).
kps-print-%:
	@echo '$($*)'

-include $(wildcard $(KPS_OUT)/lib/*.d $(KPS_OUT)/x86_64/*.d $(KPS_OUT)/tools/*.d)
