# Makefile for schemaver (PGXS)
#
#   make                 build the module (warnings are errors)
#   make install         install it into the server found by pg_config
#   make installcheck    pg_regress, isolation and TAP tests against a
#                        running server (see test/run-tests.sh for the
#                        throwaway-cluster wrapper that CI uses)
#   make bench           the benchmarks of test/bench/
#   make dist            the PGXN distribution (schemaver-VERSION.zip of the
#                        committed tree, VERSION from META.json)
#
# Build against a chosen PostgreSQL with PG_CONFIG=/path/to/pg_config
# (15, 16, 17 or 18; see README.md, "Versions").
#
# The schemaver command (src/client/, its own PGXS Makefile since PGXS
# builds one module or one program per Makefile) is built, installed into
# pg_config --bindir and cleaned with the extension.

EXTENSION = schemaver
MODULE_big = schemaver
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = $(wildcard src/schemaver--*.sql)

# pg_regress: one concern per file, in this order.
REGRESS = $(shell cat test/regress_schedule)
REGRESS_OPTS = --inputdir=.

# Isolation specs live in test/isolation/specs, expected output beside them.
ISOLATION = $(basename $(notdir $(sort $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=output_iso

# TAP tests (PostgreSQL::Test::Cluster); they create their own clusters.
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

# Our code builds warning-free with -Wall -Wextra.  The server's headers are
# not written for -Wextra (unused parameters in inline functions), so they
# are included as system headers, whose warnings the compiler leaves out.
PG_CPPFLAGS = -Wall -Wextra -Werror -isystem $(shell $(PG_CONFIG) --includedir-server)

EXTRA_CLEAN = results output_iso tmp_check regression.diffs regression.out \
	$(EXTENSION)-*.zip

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# After the include: Makefile.global sets PROVE_FLAGS empty.  Shared TAP
# helpers live beside the tests.
PROVE_FLAGS = -I ./test/t

.PHONY: bench
bench:
	test/bench/run.sh

# The distribution's version is META.json's (the first "version" in it is
# the distribution's own).  git archive takes the committed tree: commit
# first.
DISTVERSION = $(shell sed -n 's/^ *"version": *"\([0-9][^"]*\)".*/\1/p' META.json | head -n 1)

.PHONY: dist
dist:
	git archive --format zip --prefix=$(EXTENSION)-$(DISTVERSION)/ \
		-o $(EXTENSION)-$(DISTVERSION).zip HEAD

# The schemaver command, in src/client/ (PG_CONFIG is passed on);
# SCHEMAVER_NO_CLIENT=1 builds and installs the extension alone (test/asan.sh
# does, against a private installation without libpq's headers)
.PHONY: client client-install client-uninstall client-clean
ifeq ($(SCHEMAVER_NO_CLIENT),)
all: client
install: client-install
uninstall: client-uninstall
clean: client-clean
endif
client:
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG)
client-install: client
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG) install
client-uninstall:
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG) uninstall
client-clean:
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG) clean

# Every object (and its LLVM bitcode, for JIT inlining) includes the shared
# header and the version compatibility header: rebuild them all when one
# changes (PGXS tracks no header dependencies by itself).
$(OBJS) $(OBJS:.o=.bc): src/schemaver.h src/compat.h
src/lint.o src/lint_rules.o src/lint_catalog.o src/lint.bc src/lint_rules.bc src/lint_catalog.bc: src/lint_defs.h
